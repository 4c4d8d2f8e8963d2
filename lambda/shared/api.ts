import type { Logger } from '@aws-lambda-powertools/logger';
import { formatIssue } from '../../lib/config/issues';
import { describe } from '../../lib/errors';
import type * as z from '../../lib/validation/zod-mini';
import { isThrottling } from './retry';

/**
 * What the kit's API handlers (behind an API Gateway REST API, Lambda proxy
 * integration) share: the few event fields they read, JSON responses, the
 * request body parsed and refused with a 400 naming the field, and one
 * wrapper that logs every request and maps failures to 400 / 503 / 500.
 * Users: rag-query (POST /ask), feedback (POST /feedback).
 */

/** The fields of an API Gateway REST proxy event the handlers read (aws-lambda's types are not a dependency). */
export interface ApiEvent {
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly requestContext?: { readonly requestId?: string } | null;
}

/** The fields of the Lambda context the logger reads. */
export interface LambdaContext {
  readonly awsRequestId: string;
  readonly functionName?: string;
  readonly functionVersion?: string;
  readonly invokedFunctionArn?: string;
  readonly memoryLimitInMB?: string;
}

/** A Lambda proxy integration response. */
export interface ApiResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The body of a 400: the problem, and the path of the field it is about ("(body)" for the body as a whole). */
export interface ProblemBody {
  readonly error: string;
  readonly field: string;
}

/** Seconds a throttled client is told to wait (Retry-After). */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;
/** The field of a problem with the body as a whole (not JSON, not an object, too large). */
export const BODY_FIELD = '(body)';

/** A JSON response. */
export function jsonResponse(statusCode: number, body: unknown, headers: Readonly<Record<string, string>> = {}): ApiResponse {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** The request cannot be served as sent: answered 400 with the message and the field. */
export class RequestInvalidError extends Error {
  constructor(
    message: string,
    public readonly field: string,
  ) {
    super(message);
    this.name = 'RequestInvalid';
  }
}

/**
 * The request body as a JSON object. Refuses (RequestInvalidError, field
 * "(body)") a body larger than maxBytes, one that is not JSON, and JSON that
 * is not an object; `expected` says what the object holds.
 */
export function readJsonObject(event: ApiEvent, maxBytes: number, expected: string): Record<string, unknown> {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded === true ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) throw new RequestInvalidError(`${BODY_FIELD}: received ${bytes} bytes; allowed: at most ${maxBytes} bytes of JSON`, BODY_FIELD);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const received = text.trim().length === 0 ? 'nothing' : 'text that is not JSON';
    throw new RequestInvalidError(`${BODY_FIELD}: received ${received}; allowed: a JSON object ${expected}`, BODY_FIELD);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RequestInvalidError(`${BODY_FIELD}: received ${describe(value)}; allowed: a JSON object ${expected}`, BODY_FIELD);
  }
  return value as Record<string, unknown>;
}

/**
 * Parses a request object with its schema; the first problem becomes a
 * RequestInvalidError whose message is the config loader's
 * `field: received X; allowed: Y` and whose field is the issue's path.
 */
export function parseRequest<S extends z.ZodMiniType>(schema: S, value: Record<string, unknown>): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw requestProblem(result.error.issues[0], schema, value);
}

/** A zod issue as a 400: the first line formatIssue gives, about the field at the issue's path. */
export function requestProblem(issue: z.core.$ZodIssue, schema: z.core.$ZodType, root: unknown): RequestInvalidError {
  const [line] = formatIssue(issue, schema, root);
  // formatIssue names an unknown key by its own path; so does the field.
  const keys = issue.code === 'unrecognized_keys' ? [issue.keys[0]] : [];
  const field = [...issue.path.map(String), ...keys].join('.') || BODY_FIELD;
  return new RequestInvalidError(line.replace(/^\(top level\)/, BODY_FIELD), field);
}

export interface ServeOptions {
  /** Seconds in the Retry-After of a 503. @default DEFAULT_RETRY_AFTER_SECONDS */
  readonly retryAfterSeconds?: number;
  /** Clock of the logged duration, milliseconds. @default Date.now */
  readonly clock?: () => number;
  /**
   * Milliseconds after which the request is answered 504 with a JSON body,
   * whatever the work still waits for: before API Gateway's own 29 s limit
   * answers a bare 504 and the request's log line is lost.
   * @default no deadline
   */
  readonly deadlineMs?: number;
}

/** The work did not end within ServeOptions.deadlineMs. */
export class RequestDeadlineError extends Error {
  constructor(ms: number) {
    super(`the request took more than ${ms} ms`);
    this.name = 'RequestDeadline';
  }
}

/** The work, or RequestDeadlineError once `ms` have passed. */
async function withinDeadline<T>(work: () => Promise<T>, ms: number | undefined): Promise<T> {
  if (ms === undefined) return work();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestDeadlineError(ms)), ms);
  });
  try {
    return await Promise.race([work(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs one API request and logs it: one INFO line when it ends, with the
 * status, the duration, the API Gateway request id and the keys the work
 * appended (ids, counts and lengths; never the content). Maps failures:
 *
 * - RequestInvalidError: 400 `{ error, field }`;
 * - throttling or capacity after the retries (retry.ts isThrottling): 503
 *   `{ error, retryAfterSeconds }` with a Retry-After header;
 * - anything else: 500 with a generic message; the error only in the log.
 */
export async function serveJson(event: ApiEvent, context: LambdaContext, logger: Logger, work: () => Promise<ApiResponse>, options: ServeOptions = {}): Promise<ApiResponse> {
  const clock = options.clock ?? Date.now;
  const started = clock();
  const apiRequestId = event.requestContext?.requestId;
  logger.addContext(context);
  logger.resetKeys();
  logger.appendKeys({ apiRequestId });
  let response: ApiResponse;
  try {
    response = await withinDeadline(work, options.deadlineMs);
  } catch (error) {
    response = failureResponse(error, logger, apiRequestId ?? context.awsRequestId, options.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS);
  }
  logger.info('request done', { statusCode: response.statusCode, durationMs: clock() - started });
  logger.resetKeys();
  return response;
}

/** Seconds a caller waits for a scale-to-zero endpoint to have a copy of its model again. */
export const WAKE_RETRY_AFTER_SECONDS = 180;

/**
 * SageMaker's answer while an inference component has no copy (scaled to
 * zero): a validation error saying it has no capacity. Retrying within the
 * request's seconds would not help; the caller comes back later.
 */
export function isWakingUp(error: unknown): boolean {
  const cause = error instanceof Error && 'cause' in error && error.cause instanceof Error ? error.cause : error;
  if (!(cause instanceof Error)) return false;
  return /ValidationError|ValidationException/.test(cause.name) && /no capacity/i.test(cause.message);
}

function failureResponse(error: unknown, logger: Logger, requestId: string, retryAfterSeconds: number): ApiResponse {
  if (error instanceof RequestInvalidError) {
    logger.appendKeys({ rejectedField: error.field });
    return jsonResponse(400, { error: error.message, field: error.field } satisfies ProblemBody);
  }
  if (error instanceof RequestDeadlineError) {
    logger.warn('request deadline passed', { error });
    return jsonResponse(504, { error: 'The answer took too long; try again, or ask a narrower question' });
  }
  if (isWakingUp(error)) {
    // A scale-to-zero endpoint answers with no copy of the model until its alarm adds one: minutes, not seconds.
    logger.warn('the endpoint has no capacity yet (scaled to zero)', { error: error as Error });
    return jsonResponse(503, { error: 'The model is starting; try again in a few minutes', retryAfterSeconds: WAKE_RETRY_AFTER_SECONDS }, { 'Retry-After': String(WAKE_RETRY_AFTER_SECONDS) });
  }
  if (isThrottling(error)) {
    logger.warn('throttled after retries', { error: error as Error });
    return jsonResponse(503, { error: `The service is busy; try again in a few seconds`, retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) });
  }
  logger.error('request failed', { error: error as Error });
  return jsonResponse(500, { error: `Internal error; the details are logged under request id ${requestId}` });
}
