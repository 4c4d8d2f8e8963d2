import { GROUNDING_SOURCE_MAX_CHARS } from '../../lib/augment/grounding-limits';
import { KitError, describe } from '../../lib/errors';
import { GUARDRAIL_IDENTIFIER, GUARDRAIL_VERSION, type GuardrailRef } from '../shared/guardrail';
import type { EndpointTarget } from '../shared/model-call';
import { BEDROCK_KB_ID } from '../shared/names';
import { PROMPT_VERSION_ARN } from '../shared/prompt-version';

/**
 * The query Lambda's settings, from its environment (set by the augment
 * construct). Read once per container; a wrong value fails every request
 * with a 500 and a log line naming the variable, the value and what is
 * allowed.
 */

/** The model that writes the answer. */
export type AnswerModel = { readonly kind: 'bedrock'; readonly modelId: string } | ({ readonly kind: 'sagemaker-endpoint' } & EndpointTarget);

export interface RagConfig {
  readonly knowledgeBaseId: string;
  readonly model: AnswerModel;
  readonly guardrail: GuardrailRef;
  /** Prompt version ARN of the grounded-answer template (variables `question` and `context`). */
  readonly promptArn: string;
  readonly defaultTopK: number;
  readonly maxTopK: number;
  /** Retrieved passages scoring below are not relevant. */
  readonly minScore: number;
  readonly maxQuestionChars: number;
  readonly maxTokens: number;
  /** Largest context (numbered excerpts with their sources) sent to the model, characters. */
  readonly maxContextChars: number;
}

/** Defaults of the optional variables. */
export const RAG_DEFAULTS = {
  DEFAULT_TOP_K: 5,
  MAX_TOP_K: 20,
  MIN_SCORE: 0.3,
  MAX_QUESTION_CHARS: 2000,
  MAX_TOKENS: 512,
  MAX_CONTEXT_CHARS: 12_000,
} as const;

/** Retrieve's numberOfResults is at most 100. */
const RETRIEVE_MAX_RESULTS = 100;
/** SageMaker's EndpointName and InferenceComponentName pattern, at most 63 characters. */
const SAGEMAKER_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

type Env = Readonly<Record<string, string | undefined>>;

class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  private problem(name: string, allowed: string): void {
    this.problems.push(`${name}: received ${describe(this.env[name])}; allowed: ${allowed}`);
  }

  text(name: string, pattern: RegExp, allowed: string): string {
    const value = this.env[name];
    if (value === undefined || !pattern.test(value)) {
      this.problem(name, allowed);
      return '';
    }
    return value;
  }

  optionalText(name: string, pattern: RegExp, allowed: string): string | undefined {
    return this.env[name] === undefined || this.env[name] === '' ? undefined : this.text(name, pattern, allowed);
  }

  number(name: string, fallback: number, min: number, max: number, whole: boolean): number {
    const raw = this.env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max || (whole && !Number.isInteger(value))) {
      this.problem(name, `${whole ? 'a whole number' : 'a number'} from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }
}

/** The settings from the environment; throws KitError listing every wrong variable. */
export function readRagConfig(env: Env): RagConfig {
  const read = new EnvReader(env);
  const knowledgeBaseId = read.text('KNOWLEDGE_BASE_ID', BEDROCK_KB_ID, 'a knowledge base id, 10 letters or digits');
  const kind = env.MODEL_KIND;
  let model: AnswerModel = { kind: 'bedrock', modelId: '' };
  if (kind === 'bedrock') {
    model = { kind, modelId: read.text('MODEL_ID', /^\S{1,2048}$/, 'a Bedrock model id, inference profile id or ARN') };
  } else if (kind === 'sagemaker-endpoint') {
    const inferenceComponentName = read.optionalText('INFERENCE_COMPONENT_NAME', SAGEMAKER_NAME, 'an inference component name (letters, digits and hyphens, at most 63), or nothing');
    model = {
      kind,
      endpointName: read.text('ENDPOINT_NAME', SAGEMAKER_NAME, 'a SageMaker endpoint name (letters, digits and hyphens, at most 63)'),
      ...(inferenceComponentName === undefined ? {} : { inferenceComponentName }),
    };
  } else {
    read.problems.push(`MODEL_KIND: received ${describe(kind)}; allowed: "bedrock" | "sagemaker-endpoint"`);
  }
  const guardrail = {
    identifier: read.text('GUARDRAIL_ID', GUARDRAIL_IDENTIFIER, 'a guardrail id or ARN'),
    version: read.text('GUARDRAIL_VERSION', GUARDRAIL_VERSION, 'a guardrail version number, or DRAFT'),
  };
  const promptArn = read.text('PROMPT_ARN', PROMPT_VERSION_ARN, 'a prompt version ARN, arn:<partition>:bedrock:<region>:<account>:prompt/<id>:<version>');
  const maxTopK = read.number('MAX_TOP_K', RAG_DEFAULTS.MAX_TOP_K, 1, RETRIEVE_MAX_RESULTS, true);
  const config: RagConfig = {
    knowledgeBaseId,
    model,
    guardrail,
    promptArn,
    defaultTopK: read.number('DEFAULT_TOP_K', Math.min(RAG_DEFAULTS.DEFAULT_TOP_K, maxTopK), 1, maxTopK, true),
    maxTopK,
    minScore: read.number('MIN_SCORE', RAG_DEFAULTS.MIN_SCORE, 0, 1, false),
    maxQuestionChars: read.number('MAX_QUESTION_CHARS', RAG_DEFAULTS.MAX_QUESTION_CHARS, 1, 100_000, true),
    maxTokens: read.number('MAX_TOKENS', RAG_DEFAULTS.MAX_TOKENS, 1, 512_000, true),
    maxContextChars: read.number('MAX_CONTEXT_CHARS', RAG_DEFAULTS.MAX_CONTEXT_CHARS, 1000, GROUNDING_SOURCE_MAX_CHARS, true),
  };
  if (read.problems.length > 0) throw new KitError('rag-query: the environment is invalid:', read.problems);
  return config;
}
