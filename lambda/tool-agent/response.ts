import { jsonResponse, type ApiResponse } from '../shared/api';
import type { AgentResult } from './loop';

/**
 * 200: `{ answer, turns, toolCalls: [{name, ok, ms}], usage: {inputTokens, outputTokens} }`,
 * with `stopped` ("max-turns", "time-budget", "max-tokens") when the loop
 * ended before the model's final answer, and `blocked: true` when a
 * guardrail (or the model's content filter) intervened.
 */
export function answerResponse(result: AgentResult): ApiResponse {
  return jsonResponse(200, {
    answer: result.answer,
    turns: result.turns,
    toolCalls: result.toolCalls,
    usage: result.usage,
    ...(result.stopped === undefined ? {} : { stopped: result.stopped }),
    ...(result.blocked === true ? { blocked: true } : {}),
  });
}
