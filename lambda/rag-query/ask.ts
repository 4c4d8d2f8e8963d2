import { Logger } from '@aws-lambda-powertools/logger';
import type { BedrockAgentClient } from '@aws-sdk/client-bedrock-agent';
import type { BedrockAgentRuntimeClient } from '@aws-sdk/client-bedrock-agent-runtime';
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { renderPrompt } from '../../lib/adapt/prompt-template';
import { GROUNDING_RESPONSE_MAX_CHARS } from '../../lib/augment/grounding-limits';
import { jsonResponse, readJsonObject, serveJson, type ApiEvent, type ApiResponse, type LambdaContext } from '../shared/api';
import { applyGuardrail, inputCheck } from '../shared/guardrail';
import { converse, invokeEndpoint, type Answer, type GenerationSettings } from '../shared/model-call';
import type { StoredPrompt } from '../shared/prompt-version';
import { retryForRequest, withRetry, type RequestRetryPolicy, type RetryOptions } from '../shared/retry';
import { blockedAnswer, blockedQuestion, groundedAnswer, modelName, notInKnowledgeBase, type AskAnswer } from './answer';
import { readRagConfig, type AnswerModel, type RagConfig } from './config';
import { conditionCount } from './filters';
import { outputCheck, UNCHECKABLE_ANSWER_MESSAGE } from './guardrail';
import { buildContext, citationsOf, relevantPassages } from './passages';
import { cachedPrompt, loadAnswerPrompt, saysNotInDocuments } from './prompt';
import { ASK_BODY, checkAskRequest, MAX_ASK_BODY_BYTES, type AskRequest } from './request';
import { retrieve, retrieveRequest } from './retrieve';

/** The clients of the query Lambda, created once per container; injected so tests mock them. */
export interface RagClients {
  /** ApplyGuardrail and Converse; `maxAttempts: 1`, the retries are withRetry's. */
  readonly bedrock: BedrockRuntimeClient;
  /** Retrieve. */
  readonly agentRuntime: BedrockAgentRuntimeClient;
  /** InvokeEndpoint. */
  readonly sagemaker: SageMakerRuntimeClient;
  /** GetPrompt. */
  readonly prompts: BedrockAgentClient;
}

/**
 * Retries of every call of one question: at most 3 attempts each, full
 * jitter, and none that would start 8 s after the request did, so that
 * retries stay well inside API Gateway's 29 s integration timeout.
 */
export const RAG_RETRY: RequestRetryPolicy = { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 4000, budgetMs: 8000 };

/** Milliseconds a question may take before it is answered 504 with a body: API Gateway's integration gives up at 29 s. */
export const ASK_DEADLINE_MS = 25_000;

export interface AskHandlerOptions {
  /** @default ASK_DEADLINE_MS */
  readonly deadlineMs?: number;
  /** @default a Powertools Logger of service "rag-query" */
  readonly logger?: Logger;
  /** Waits of the retries; injected by tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter of the retries, in [0, 1); injected by tests. @default Math.random */
  readonly random?: () => number;
  /** Clock of the retry budget and the logged durations, milliseconds. @default Date.now */
  readonly clock?: () => number;
}

/** The model answered nothing: not a grounded answer, and nothing for the guardrail to check. */
export class EmptyAnswerError extends Error {
  constructor(model: string) {
    super(`${model} answered an empty text`);
    this.name = 'EmptyAnswer';
  }
}

/** What answering one question uses. */
export interface AskDeps {
  readonly clients: RagClients;
  readonly config: RagConfig;
  /** The grounded-answer template (read once per container). */
  readonly prompt: () => Promise<StoredPrompt>;
  /** The retries of this question's calls, its deadline set. */
  readonly retry: RetryOptions;
  readonly logger: Logger;
}

async function generate(clients: RagClients, model: AnswerModel, prompt: string, settings: GenerationSettings): Promise<Answer> {
  return model.kind === 'bedrock' ? converse(clients.bedrock, model.modelId, prompt, settings) : invokeEndpoint(clients.sagemaker, model, prompt, settings);
}

/**
 * Answers one validated question: guardrail on the question; Retrieve; the
 * relevant passages (none: "I don't know", no model call); the numbered
 * context in the prompt template; the model (its NOT_IN_DOCUMENTS: "I
 * don't know" too); guardrail on the answer with the contextual grounding
 * check. Every AWS call is retried on throttling
 * within the question's budget. Logs counts and lengths, never the text.
 */
export async function answerQuestion(deps: AskDeps, request: AskRequest): Promise<AskAnswer> {
  const { clients, config, logger } = deps;
  const call = <T>(attempt: () => Promise<T>) => withRetry(attempt, deps.retry);
  logger.appendKeys({
    questionChars: request.question.length,
    topK: request.topK,
    filterConditions: conditionCount(request.filters),
    sessionId: request.sessionId,
  });

  const input = await call(() => applyGuardrail(clients.bedrock, inputCheck(config.guardrail, request.question)));
  if (input.blocked) {
    logger.appendKeys({ outcome: 'question-blocked', guardrailPolicies: input.policies });
    return blockedQuestion(input.message);
  }
  // Masked PII (a user's own e-mail, say) is no reason to refuse: the question goes on with it masked.
  const question = input.intervened ? input.message : request.question;
  if (input.intervened) logger.appendKeys({ questionMasked: true, guardrailPolicies: input.policies });

  const results = await call(() => retrieve(clients.agentRuntime, retrieveRequest(config.knowledgeBaseId, { ...request, question })));
  const passages = relevantPassages(results, config.minScore);
  logger.appendKeys({ retrieved: results.length, relevant: passages.length });
  if (passages.length === 0) {
    logger.appendKeys({ outcome: 'not-in-knowledge-base' });
    return notInKnowledgeBase();
  }

  const { context, used } = buildContext(passages, config.maxContextChars);
  const template = await deps.prompt();
  const prompt = renderPrompt(template.template, { question, context });
  const answer = await call(() => generate(clients, config.model, prompt, { ...template.inference, maxTokens: config.maxTokens }));
  logger.appendKeys({ contextChars: context.length, excerpts: used.length, promptChars: prompt.length, answerChars: answer.text.length, inputTokens: answer.inputTokens, outputTokens: answer.outputTokens });
  if (answer.text.trim().length === 0) throw new EmptyAnswerError(modelName(config.model));
  if (saysNotInDocuments(answer.text)) {
    // The kit's own words go back, so there is nothing for the guardrail to check.
    logger.appendKeys({ outcome: 'not-in-documents' });
    return notInKnowledgeBase({ answer, model: config.model });
  }

  if (answer.text.length > GROUNDING_RESPONSE_MAX_CHARS) {
    // The grounding check would not see all of it; an unchecked answer is not delivered.
    logger.appendKeys({ outcome: 'answer-too-long-to-check' });
    return blockedAnswer(UNCHECKABLE_ANSWER_MESSAGE, config.model);
  }
  const output = await call(() => applyGuardrail(clients.bedrock, outputCheck(config.guardrail, { context, question, answer: answer.text })));
  if (output.blocked) {
    logger.appendKeys({ outcome: 'answer-blocked', guardrailPolicies: output.policies });
    return blockedAnswer(output.message, config.model);
  }
  logger.appendKeys({ outcome: 'grounded', ...(output.intervened ? { answerMasked: true } : {}) });
  return groundedAnswer(output.intervened ? { ...answer, text: output.message } : answer, citationsOf(used), config.model);
}

/**
 * The POST /ask handler: settings read from `env` at the first request,
 * the prompt template at the first question that needs it, both kept for
 * the container's life.
 */
export function createAskHandler(clients: RagClients, env: Readonly<Record<string, string | undefined>>, options: AskHandlerOptions = {}): (event: ApiEvent, context: LambdaContext) => Promise<ApiResponse> {
  const logger = options.logger ?? new Logger({ serviceName: 'rag-query' });
  const clock = options.clock ?? Date.now;
  let config: RagConfig | undefined;
  const prompt = cachedPrompt(({ arn, retry }: { readonly arn: string; readonly retry: RetryOptions }) => withRetry(() => loadAnswerPrompt(clients.prompts, arn), retry));
  return (event, context) =>
    serveJson(
      event,
      context,
      logger,
      async () => {
        config ??= readRagConfig(env);
        const request = checkAskRequest(readJsonObject(event, MAX_ASK_BODY_BYTES, ASK_BODY), config);
        const retry = retryForRequest(RAG_RETRY, { sleep: options.sleep, random: options.random, clock });
        const promptArn = config.promptArn;
        const answer = await answerQuestion({ clients, config, prompt: () => prompt({ arn: promptArn, retry }), retry, logger }, request);
        return jsonResponse(200, answer);
      },
      { clock, deadlineMs: options.deadlineMs ?? ASK_DEADLINE_MS },
    );
}
