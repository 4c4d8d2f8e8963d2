import { FEEDBACK_RECORD_VERSION, feedbackRecordSchema, type FeedbackRecord } from '../../lib/align/feedback-record';
import * as z from '../../lib/validation/zod-mini';
import { parseRequest, requestProblem } from '../shared/api';

/**
 * POST /feedback's request: a feedback record of the shared format
 * (lib/align/feedback-record.ts) without what the server sets (version, id,
 * timestamp), plus the client's idempotency key `requestId`, which becomes
 * the record's id.
 */

/** Largest body of POST /feedback, bytes (a prompt with its retrieved context and two answers fit). */
export const MAX_FEEDBACK_BODY_BYTES = 1024 * 1024;
export const FEEDBACK_BODY = '{"requestId", "kind": "rating", "prompt", "response", "rating"} or {"requestId", "kind": "preference", "prompt", "chosen", "rejected"}, with "modelId"? and "promptTemplate"?';
/** The client-chosen idempotency key: also the record's id and the object's name. */
export const REQUEST_ID = /^[A-Za-z0-9_-]{8,128}$/;

const requestIdRule = 'an idempotency key chosen by the client, 8 to 128 letters, digits, "_" or "-"';
const ratingRule = '1 (a good answer) or -1 (a bad one)';
/** Fields of the record the server sets; the request has none of them. */
const SERVER_SET = { version: true, id: true, timestamp: true } as const;

const requestId = z.string({ error: requestIdRule }).check(z.regex(REQUEST_ID, { error: requestIdRule }));
// A zod/mini union has no `.options`; its definition holds them.
const [ratingRecord, preferenceRecord] = feedbackRecordSchema.def.options;

/** The record's schemas without the server's fields, with requestId; the rating's message says what the values mean. */
export const feedbackRequestSchema = z.discriminatedUnion(
  'kind',
  [z.extend(z.omit(ratingRecord, SERVER_SET), { requestId, rating: z.literal([1, -1], { error: ratingRule }) }), z.extend(z.omit(preferenceRecord, SERVER_SET), { requestId })],
  { error: 'a feedback kind, "rating" or "preference"' },
);

export type FeedbackRequest = z.infer<typeof feedbackRequestSchema>;

/** The request of a parsed body; throws RequestInvalidError (a 400 naming the field). */
export function checkFeedbackRequest(body: Record<string, unknown>): FeedbackRequest {
  return parseRequest(feedbackRequestSchema, body);
}

/**
 * The record to store: the request's fields, with the version, the id
 * (= requestId) and the time set here, validated against the shared format
 * (a problem is a 400 naming the request's field).
 */
export function buildFeedbackRecord(request: FeedbackRequest, now: Date): FeedbackRecord {
  const { requestId: id, ...fields } = request;
  const record = { ...fields, version: FEEDBACK_RECORD_VERSION, id, timestamp: now.toISOString() };
  const result = feedbackRecordSchema.safeParse(record, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // The record's id is the request's requestId.
  const renamed = issue.path[0] === 'id' ? { ...issue, path: ['requestId', ...issue.path.slice(1)] } : issue;
  throw requestProblem(renamed, feedbackRecordSchema, { ...record, requestId: id });
}
