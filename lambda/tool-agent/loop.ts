import {
  ConverseCommand,
  type BedrockRuntimeClient,
  type ContentBlock,
  type ConverseCommandInput,
  type ConverseCommandOutput,
  type Message,
  type ToolUseBlock,
} from '@aws-sdk/client-bedrock-runtime';
import type { Logger } from '@aws-lambda-powertools/logger';
import { applyGuardrail, BLOCKED_ACTION, guardrailActions, inputCheck, type GuardrailVerdict } from '../shared/guardrail';
import { withRetry } from '../shared/retry';
import type { AgentConfig } from './config';
import { Budget, DeadlineExceededError, withDeadline, type Clock } from './deadline';
import type { AgentRequest } from './request';
import { runToolUses, supportsToolResultStatus, type ToolCall, type ToolRegistry } from './tools';

/** Why the loop ended before the model's final answer. */
export type StopKind = 'max-turns' | 'time-budget' | 'max-tokens';

export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** The outcome of one request. */
export interface AgentResult {
  /** The model's answer; when `stopped`, its last text or a message saying why there is none. */
  readonly answer: string;
  /** Converse calls answered. */
  readonly turns: number;
  readonly toolCalls: readonly ToolCall[];
  /** Tokens over all turns, as Converse reported them. */
  readonly usage: Usage;
  readonly stopped?: StopKind;
  /** A guardrail (or the model's content filter) intervened; the answer is its message. */
  readonly blocked?: boolean;
}

export interface LoopOptions {
  /**
   * Time kept for the model's answer after tools, milliseconds: tools get
   * the remaining budget minus this, so that a tool that hangs still leaves
   * a turn to tell the user. With less than this left when the model asks
   * for tools, the loop stops ("time-budget").
   * @default a quarter of TIME_BUDGET_MS
   */
  readonly answerReserveMs?: number;
  /** Attempts of one Converse call when throttled or unavailable, the first included. @default 10 */
  readonly maxAttempts?: number;
  /** Ceiling of the first backoff, milliseconds; doubles per attempt (full jitter). @default 250 */
  readonly baseDelayMs?: number;
  /** Largest backoff ceiling, milliseconds. @default 4000 */
  readonly maxDelayMs?: number;
  /** No retry is made when less than this would be left of the budget after the backoff, milliseconds. @default 1000 */
  readonly minAttemptMs?: number;
  /** A number in [0, 1) for the jitter; injected by tests. @default Math.random */
  readonly random?: () => number;
}

/** What the loop runs on; all injected, so tests mock the clients and fake the clock. */
export interface AgentDeps {
  readonly bedrock: BedrockRuntimeClient;
  readonly registry: ToolRegistry;
  readonly clock: Clock;
  /** Logs turn numbers, stop reasons, tool names, durations and tokens; never the text of the conversation. */
  readonly logger: Logger;
  readonly options?: LoopOptions;
}

const DEFAULT_MAX_ATTEMPTS = 10;
const DEFAULT_BASE_DELAY_MS = 250;
const DEFAULT_MAX_DELAY_MS = 4_000;
const DEFAULT_MIN_ATTEMPT_MS = 1_000;
/** The answer when a guardrail intervened without a message of its own. */
export const BLOCKED_ANSWER = 'The request was blocked by the content policy.';
/**
 * The answer when Converse's guardrail masked personal data in the
 * conversation it was sent (the history: the message itself is masked
 * beforehand): Bedrock then answers with the masked input, not the model's
 * answer, so there is no answer to give.
 */
export const MASKED_INPUT_ANSWER = 'The conversation holds personal data that the content policy masks; remove it from the earlier turns and ask again.';

/** The model stopped for a reason the agent cannot answer with (malformed tool use, context window exceeded): a 500. */
export class ModelStopError extends Error {
  constructor(readonly stopReason: string) {
    super(`the model stopped with ${stopReason}`);
    this.name = 'ModelStop';
  }
}

/** The text blocks of a message, joined. */
function textOf(message: Message | undefined): string {
  return (message?.content ?? [])
    .map((block) => block.text ?? '')
    .join('')
    .trim();
}

function toolUsesOf(message: Message | undefined): ToolUseBlock[] {
  return (message?.content ?? []).flatMap((block: ContentBlock) => (block.toolUse === undefined ? [] : [block.toolUse]));
}

/**
 * One Bedrock call (Converse, ApplyGuardrail) within the budget: each
 * attempt is bounded by the time left (DeadlineExceededError when it runs
 * out, not retried); throttling
 * and transient errors are retried with full-jitter backoff
 * (lambda/shared/retry.ts) while the budget leaves minAttemptMs for another
 * attempt, then AttemptsExhaustedError (a 503 when the last error was
 * throttling).
 */
async function bedrockCall<T>(deps: AgentDeps, budget: Budget, call: 'Converse' | 'ApplyGuardrail', send: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { clock, logger, options = {} } = deps;
  let last: unknown;
  const attempt = async () => {
    try {
      return await withDeadline(send, budget.remaining(), clock);
    } catch (error) {
      last = error;
      throw error;
    }
  };
  return withRetry(attempt, {
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    baseDelayMs: options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS,
    deadline: budget.deadline - (options.minAttemptMs ?? DEFAULT_MIN_ATTEMPT_MS),
    clock: clock.now,
    ...(options.random === undefined ? {} : { random: options.random }),
    sleep: async (ms) => {
      logger.info('call retried', { call, error: last instanceof Error ? last.name : typeof last, backoffMs: ms });
      await clock.sleep(ms);
    },
  });
}

/**
 * The tool-use loop: Converse with the tools offered; when the model stops
 * for `tool_use`, run every tool it asked for (in parallel, within the
 * budget) and send the results back; until the model answers (`end_turn`),
 * a guardrail intervenes, MAX_TURNS Converse calls were made, or the time
 * budget is spent. Throws the retries' AttemptsExhaustedError (a 503 when
 * throttled), ModelStopError or the SDK's error otherwise (a 500).
 */
export async function runAgent(deps: AgentDeps, config: AgentConfig, request: AgentRequest): Promise<AgentResult> {
  const { clock, logger, registry, options = {} } = deps;
  const budget = new Budget(clock, config.timeBudgetMs);
  const reserveMs = options.answerReserveMs ?? Math.floor(config.timeBudgetMs / 4);
  const toolCalls: ToolCall[] = [];
  let inputTokens = 0;
  let outputTokens = 0;
  let lastText = '';

  const finish = (answer: string, turns: number, end: { stopped?: StopKind; blocked?: boolean } = {}): AgentResult => {
    const result = { answer, turns, toolCalls, usage: { inputTokens, outputTokens }, ...end };
    logger.info('agent finished', { turns, ...end, toolCalls: toolCalls.length, usage: result.usage, ms: config.timeBudgetMs - budget.remaining() });
    return result;
  };
  const outOfTime = (turns: number) =>
    finish(lastText || `Stopped after ${turns} turn${turns === 1 ? '' : 's'} without a final answer: the time budget of ${config.timeBudgetMs} ms was spent.`, turns, { stopped: 'time-budget' });

  // The guardrail on the message first, as rag-query does on its question: a block ends here; masked
  // PII goes on masked (Converse's own guardrail would answer the masked input instead of the model).
  let userText = request.message;
  if (config.guardrail !== undefined) {
    const check = inputCheck(config.guardrail, userText);
    let verdict: GuardrailVerdict;
    try {
      verdict = await bedrockCall(deps, budget, 'ApplyGuardrail', (abortSignal) => applyGuardrail(deps.bedrock, check, { abortSignal }));
    } catch (error) {
      if (error instanceof DeadlineExceededError) return outOfTime(0);
      throw error;
    }
    logger.info('message checked', { guardrail: verdict.blocked ? 'blocked' : verdict.intervened ? 'masked' : 'none', policies: verdict.policies });
    if (verdict.blocked) return finish(verdict.message, 0, { blocked: true });
    if (verdict.intervened) userText = verdict.message;
  }
  const messages: Message[] = [
    ...(request.history ?? []).map((turn): Message => ({ role: turn.role, content: [{ text: turn.text }] })),
    { role: 'user', content: [{ text: userText }] },
  ];

  for (let turn = 1; ; turn += 1) {
    const started = clock.now();
    let response: ConverseCommandOutput;
    try {
      const input = conversation(config, registry, messages);
      response = await bedrockCall(deps, budget, 'Converse', (abortSignal) => deps.bedrock.send(new ConverseCommand(input), { abortSignal }));
    } catch (error) {
      if (error instanceof DeadlineExceededError) {
        logger.info('agent turn', { turn, stopReason: 'time-budget', converseMs: clock.now() - started });
        return outOfTime(turn - 1);
      }
      throw error;
    }
    inputTokens += response.usage?.inputTokens ?? 0;
    outputTokens += response.usage?.outputTokens ?? 0;
    const message = response.output?.message;
    const text = textOf(message);
    if (text !== '') lastText = text;
    const stopReason = response.stopReason ?? 'none';
    const intervention = stopReason === 'guardrail_intervened' ? interventionOf(response, text, turn) : undefined;
    const turnLog = { turn, stopReason, converseMs: clock.now() - started, usage: { inputTokens: response.usage?.inputTokens, outputTokens: response.usage?.outputTokens }, ...(intervention === undefined ? {} : { guardrail: intervention }) };

    if (stopReason !== 'tool_use') {
      logger.info('agent turn', turnLog);
      switch (stopReason) {
        case 'end_turn':
        case 'stop_sequence':
          return finish(text, turn);
        case 'max_tokens':
          return finish(text, turn, { stopped: 'max-tokens' });
        case 'guardrail_intervened':
          // Masked PII (ANONYMIZED) in the answer is no reason to refuse: the answer goes out with it masked.
          if (intervention === 'answer-masked') return finish(text, turn);
          if (intervention === 'input-masked') return finish(MASKED_INPUT_ANSWER, turn, { blocked: true });
          return finish(text || BLOCKED_ANSWER, turn, { blocked: true });
        case 'content_filtered':
          return finish(text || BLOCKED_ANSWER, turn, { blocked: true });
        default:
          throw new ModelStopError(stopReason);
      }
    }
    const uses = toolUsesOf(message);
    if (message === undefined || uses.length === 0) throw new ModelStopError('tool_use without a toolUse block');
    if (turn >= config.maxTurns) {
      logger.info('agent turn', { ...turnLog, tools: uses.map((use) => ({ name: use.name, run: false })) });
      return finish(lastText || `Stopped after ${turn} turns without a final answer (the limit is ${config.maxTurns}); try a simpler or more specific question.`, turn, { stopped: 'max-turns' });
    }
    const toolTimeMs = budget.remaining() - reserveMs;
    if (toolTimeMs <= 0) {
      logger.info('agent turn', { ...turnLog, tools: uses.map((use) => ({ name: use.name, run: false })) });
      return outOfTime(turn);
    }
    const { results, calls } = await runToolUses(registry, uses, { timeoutMs: toolTimeMs, clock, logger, statusSupported: supportsToolResultStatus(config.modelId) });
    toolCalls.push(...calls);
    messages.push(message, { role: 'user', content: results });
    logger.info('agent turn', { ...turnLog, tools: calls });
  }
}

/**
 * What Converse's guardrail did, from its trace (requested with `trace:
 * enabled`; only this verdict is kept, never the trace, which holds the
 * unmasked matches): `answer-masked` when it only masked PII in the
 * model's answer (and the masked answer is not empty), `input-masked` when
 * on the first turn it masked PII in the conversation it was sent (the
 * user's history) and blocked nothing, else `blocked` (without a trace
 * too; and on later turns, where the input also holds the model's own
 * turns and tool results the user cannot remove).
 */
function interventionOf(response: ConverseCommandOutput, text: string, turn: number): 'answer-masked' | 'input-masked' | 'blocked' {
  const trace = response.trace?.guardrail;
  if (trace === undefined) return 'blocked';
  const acted = (assessments: unknown) => guardrailActions(assessments).filter((action) => action !== 'NONE');
  const input = acted(trace.inputAssessment);
  const output = acted(trace.outputAssessments);
  if ([...input, ...output].includes(BLOCKED_ACTION)) return 'blocked';
  if (input.length > 0) return turn === 1 ? 'input-masked' : 'blocked';
  return output.length > 0 && text !== '' ? 'answer-masked' : 'blocked';
}

/** The Converse input of a turn: the tools are offered on every turn (Converse requires them once the messages hold tool blocks). */
function conversation(config: AgentConfig, registry: ToolRegistry, messages: Message[]): ConverseCommandInput {
  return {
    modelId: config.modelId,
    // A copy: the list grows after the call, and the call (or a test's mock) may keep its input.
    messages: [...messages],
    ...(config.systemPrompt === undefined ? {} : { system: [{ text: config.systemPrompt }] }),
    inferenceConfig: { maxTokens: config.maxTokens },
    toolConfig: registry.toolConfig,
    ...(config.guardrail === undefined ? {} : { guardrailConfig: { guardrailIdentifier: config.guardrail.identifier, guardrailVersion: config.guardrail.version, trace: 'enabled' } }),
  };
}
