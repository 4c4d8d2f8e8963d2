import { Annotations, Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { CHARS_PER_TOKEN_ESTIMATE, GROUNDING_RESPONSE_MAX_CHARS } from '../../lib/augment/grounding-limits';
import { acknowledgeWildcards } from '../../lib/compliance/wildcards';
import { KitError } from '../../lib/errors';
import type { PromptLibrary } from '../adapt/prompt-library';
import { acknowledgeGeneratedPolicy } from '../adapt/state-machine-policy';
import { handlerEntry } from '../kit-files';
import { API_ROUTE, PrivateFunction } from '../network/private-function';
import { INFERENCE_PROFILE_WILDCARD } from '../serve/bedrock-model';
import { functionOptionsOf, modelEnvironment, type AnswerModel, type AugmentFunctionOptions } from './answer-model';
import type { Guardrail } from './guardrail';
import type { KnowledgeBase } from './knowledge-base';

/** How many passages are retrieved and which are kept. */
export interface RetrievalSettings {
  /** @default 5 */
  readonly defaultTopK?: number;
  /** Most passages a request may ask for. @default 20 */
  readonly maxTopK?: number;
  /** Lowest relevance score (0..1) of a passage that is used. @default 0.3 */
  readonly minScore?: number;
}

export interface RagQueryFunctionProps extends AugmentFunctionOptions {
  readonly knowledgeBase: KnowledgeBase;
  /** The model that writes the answer. */
  readonly model: AnswerModel;
  /** Applied to the question and the answer. */
  readonly guardrail: Guardrail;
  /** The library holding the grounded-answer template. */
  readonly prompts: PromptLibrary;
  /** The template's id in the library; it has the variables `question` and `context`. @default 'grounded-answer' */
  readonly promptId?: string;
  readonly retrieval?: RetrievalSettings;
  /** @default 2000 */
  readonly maxQuestionChars?: number;
  /**
   * Longest answer in tokens. The grounding check reads answers of at most
   * 5,000 characters and longer ones are refused after they are generated:
   * above about 1,250 tokens synth warns.
   * @default 1024
   */
  readonly maxTokens?: number;
}

/**
 * The question-answering Lambda (lambda/rag-query, POST /ask): retrieves
 * passages from the knowledge base, renders the grounded-answer prompt
 * version, asks the model and applies the guardrail to question and
 * answer. Its role may retrieve from this knowledge base, invoke this
 * model, apply this guardrail and read this prompt version, nothing else.
 */
export class RagQueryFunction extends Construct implements iam.IGrantable {
  public readonly function: PrivateFunction;
  public readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: RagQueryFunctionProps) {
    super(scope, id);
    const retrieval = { defaultTopK: 5, maxTopK: 20, minScore: 0.3, ...props.retrieval };
    const maxQuestionChars = props.maxQuestionChars ?? 2000;
    const maxTokens = props.maxTokens ?? 1024;
    const whole = (value: number, min: number) => Number.isInteger(value) && value >= min;
    if (!whole(retrieval.maxTopK, 1) || retrieval.maxTopK > 100) throw KitError.invalidProp(this, 'retrieval.maxTopK', retrieval.maxTopK, 'a whole number of passages from 1 to 100');
    if (!whole(retrieval.defaultTopK, 1) || retrieval.defaultTopK > retrieval.maxTopK) throw KitError.invalidProp(this, 'retrieval.defaultTopK', retrieval.defaultTopK, `a whole number of passages from 1 to maxTopK (${retrieval.maxTopK})`);
    if (!(retrieval.minScore >= 0 && retrieval.minScore <= 1)) throw KitError.invalidProp(this, 'retrieval.minScore', retrieval.minScore, 'a score from 0 to 1');
    if (!whole(maxQuestionChars, 1)) throw KitError.invalidProp(this, 'maxQuestionChars', maxQuestionChars, 'a whole number of characters >= 1');
    if (!whole(maxTokens, 1)) throw KitError.invalidProp(this, 'maxTokens', maxTokens, 'a whole number of tokens >= 1');
    const checkableTokens = GROUNDING_RESPONSE_MAX_CHARS / CHARS_PER_TOKEN_ESTIMATE;
    if (maxTokens > checkableTokens) {
      Annotations.of(this).addWarningV2(
        'genai-kit:answerLongerThanGroundingCheck',
        `maxTokens ${maxTokens} lets answers outgrow the ${GROUNDING_RESPONSE_MAX_CHARS} characters the contextual grounding check reads (about ${checkableTokens} tokens of English): rag-query refuses such answers, after the model was paid to write them.`,
      );
    }
    const prompt = props.prompts.prompt(props.promptId ?? 'grounded-answer');

    const { knowledgeBase, model, guardrail, prompts } = props;
    this.function = new PrivateFunction(this, 'Function', {
      ...functionOptionsOf(props),
      entry: handlerEntry('rag-query'),
      invocation: API_ROUTE,
      description: `Answers questions from ${knowledgeBase.node.path} (POST /ask)`,
      timeout: Duration.seconds(29),
      memorySize: 512,
    });
    this.grantPrincipal = this.function.grantPrincipal;
    const environment: Record<string, string> = {
      KNOWLEDGE_BASE_ID: knowledgeBase.knowledgeBaseId,
      ...modelEnvironment(model),
      GUARDRAIL_ID: guardrail.guardrailId,
      GUARDRAIL_VERSION: guardrail.guardrailVersion,
      PROMPT_ARN: prompt.promptVersionArn,
      DEFAULT_TOP_K: String(retrieval.defaultTopK),
      MAX_TOP_K: String(retrieval.maxTopK),
      MIN_SCORE: String(retrieval.minScore),
      MAX_QUESTION_CHARS: String(maxQuestionChars),
      MAX_TOKENS: String(maxTokens),
      POWERTOOLS_SERVICE_NAME: 'rag-query',
    };
    for (const [name, value] of Object.entries(environment)) this.function.function.addEnvironment(name, value);

    knowledgeBase.grantRetrieve(this.function);
    model.grantInvoke(this.function);
    guardrail.grantApply(this.function);
    prompts.grantGet(this.function, prompt.id);
    acknowledgeGeneratedPolicy(this.function.role, 'grants of the knowledge base, the model, the guardrail and the prompt library');
    const grants = this.function.role.node.tryFindChild('DefaultPolicy')?.node.defaultChild;
    if (grants !== undefined) acknowledgeWildcards(grants as iam.CfnPolicy, [INFERENCE_PROFILE_WILDCARD]);
  }
}
