import * as z from '../../lib/validation/zod-mini';
import { parseRequest } from '../shared/api';
import { SESSION_ID, SESSION_ID_RULE } from '../shared/names';
import type { RagConfig } from './config';
import { filtersSchema, type Filters } from './filters';

/** Largest body of POST /ask, bytes: a question and its filters. */
export const MAX_ASK_BODY_BYTES = 64 * 1024;
/** What the body of POST /ask holds, for the error of a body that is not that. */
export const ASK_BODY = '{"question": text, "topK"?: number, "filters"?: {...}, "sessionId"?: text}';
/** A client's conversation id: logged to correlate its questions, never sent to a model. */

/** A question, validated; topK defaulted. */
export interface AskRequest {
  readonly question: string;
  readonly topK: number;
  readonly filters?: Filters;
  readonly sessionId?: string;
}

/** The request schema for these settings (the limits come from the environment). */
export function askRequestSchema(config: Pick<RagConfig, 'maxQuestionChars' | 'maxTopK'>) {
  const questionRule = `a question of 1 to ${config.maxQuestionChars} characters`;
  const topKRule = `a whole number from 1 to ${config.maxTopK}`;
  return z.strictObject({
    question: z.string({ error: questionRule }).check(
      z.maxLength(config.maxQuestionChars, { error: questionRule }),
      z.refine((question) => question.trim().length > 0, { error: questionRule }),
    ),
    topK: z.optional(z.int({ error: topKRule }).check(z.gte(1, { error: topKRule }), z.lte(config.maxTopK, { error: topKRule }))),
    filters: z.optional(filtersSchema),
    sessionId: z.optional(z.string({ error: SESSION_ID_RULE }).check(z.regex(SESSION_ID, { error: SESSION_ID_RULE }))),
  });
}

/** The question of a parsed body; throws RequestInvalidError (a 400 naming the field). */
export function checkAskRequest(body: Record<string, unknown>, config: Pick<RagConfig, 'maxQuestionChars' | 'maxTopK' | 'defaultTopK'>): AskRequest {
  const parsed = parseRequest(askRequestSchema(config), body);
  return {
    question: parsed.question,
    topK: parsed.topK ?? config.defaultTopK,
    ...(parsed.filters === undefined ? {} : { filters: parsed.filters }),
    ...(parsed.sessionId === undefined ? {} : { sessionId: parsed.sessionId }),
  };
}
