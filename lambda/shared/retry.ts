/**
 * The one retry layer of the kit's handlers: throttling, capacity and
 * transient errors of AWS calls, with exponential backoff and full jitter, a
 * bounded number of attempts and, optionally, a deadline (an API behind API
 * Gateway must answer within its 29 s integration timeout). The SDK clients
 * of the retried calls run with `maxAttempts: 1` so that this is the only
 * retry layer. Users: invoke-candidate (the candidate and the LLM judge),
 * rag-query, feedback.
 */

export interface RetryOptions {
  /** Attempts per call, the first included. @default 6 */
  readonly maxAttempts?: number;
  /** Ceiling of the first backoff, milliseconds; doubles per attempt. @default 1000 */
  readonly baseDelayMs?: number;
  /** Largest backoff ceiling, milliseconds. @default 20000 */
  readonly maxDelayMs?: number;
  /** Waits; injected by tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1) for the jitter; injected by tests. @default Math.random */
  readonly random?: () => number;
  /**
   * Time on `clock` (milliseconds) after which no attempt starts: a backoff
   * that would end later is not waited, the call gives up at once.
   * @default no deadline, only maxAttempts
   */
  readonly deadline?: number;
  /** The clock of `deadline`, milliseconds. @default Date.now */
  readonly clock?: () => number;
  /** Which errors are worth another attempt. @default isRetryable */
  readonly retryable?: (error: unknown) => boolean;
}

export const DEFAULT_MAX_ATTEMPTS = 6;
const DEFAULT_BASE_DELAY_MS = 1_000;
const DEFAULT_MAX_DELAY_MS = 20_000;

/**
 * Error names that mean "try again later". Bedrock Runtime (Converse):
 * ThrottlingException (429), ServiceUnavailableException (503),
 * ModelNotReadyException, InternalServerException (500). SageMaker Runtime
 * (InvokeEndpoint): ServiceUnavailable (503), InternalFailure (500),
 * ModelNotReadyException, and ThrottlingException, which the service
 * returns though its API model does not list it. Not retried:
 * ValidationException / ValidationError, AccessDeniedException,
 * ResourceNotFoundException, ModelTimeoutException (the same prompt would
 * time out again), ModelErrorException.
 */
const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'ServiceUnavailableException',
  'ServiceUnavailable',
  'ModelNotReadyException',
  'InternalServerException',
  'InternalFailure',
]);
/** Statuses of a SageMaker ModelError (the container's own), and HTTP statuses of any AWS error, that mean overloaded or starting. */
const RETRYABLE_MODEL_STATUSES = new Set([429, 503]);
/**
 * Error names that mean "too busy now": the service (or the model's
 * container) refuses for load, not for the request. S3 says SlowDown (503).
 */
const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'ServiceUnavailableException',
  'ServiceUnavailable',
  'ModelNotReadyException',
  'SlowDown',
]);
/** Network failures of the Node HTTP stack. */
const RETRYABLE_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/** The HTTP status of an AWS SDK error (`$metadata.httpStatusCode`), if it has one. */
export function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Whether an error means "too busy, try again later": throttling and
 * capacity (429 / 503, ThrottlingException, TooManyRequests,
 * ServiceUnavailable, a model not ready yet), as opposed to a transient
 * failure of one request (500, network). An API answers 503 with
 * Retry-After for these once its retries ran out.
 */
export function isThrottling(error: unknown): boolean {
  if (error instanceof AttemptsExhaustedError) return isThrottling(error.cause);
  if (error === null || typeof error !== 'object') return false;
  const { name, OriginalStatusCode: status } = error as { name?: unknown; OriginalStatusCode?: unknown };
  if (typeof name === 'string' && THROTTLING_NAMES.has(name)) return true;
  if (name === 'ModelError') return typeof status === 'number' && RETRYABLE_MODEL_STATUSES.has(status);
  const http = httpStatusOf(error);
  return http !== undefined && RETRYABLE_MODEL_STATUSES.has(http);
}

/** Whether an error of an AWS call is worth another attempt: throttling, capacity, transient server and network errors. */
export function isRetryable(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  if (typeof name === 'string' && RETRYABLE_NAMES.has(name)) return true;
  if (isThrottling(error)) return true;
  if (name === 'TimeoutError') return true;
  return typeof code === 'string' && RETRYABLE_NETWORK_CODES.has(code);
}

/** An error that was retried until the attempts ran out; `cause` is the last one. */
export class AttemptsExhaustedError extends Error {
  constructor(
    public readonly attempts: number,
    cause: unknown,
  ) {
    super(`${describeError(cause)} (gave up after ${attempts} attempts)`, { cause });
    this.name = 'AttemptsExhausted';
  }
}

/** `Name: message`, with the container's status for a SageMaker ModelError. */
export function describeError(error: unknown): string {
  if (error instanceof AttemptsExhaustedError) return error.message;
  if (!(error instanceof Error)) return String(error);
  const { OriginalStatusCode: status, OriginalMessage: original } = error as { OriginalStatusCode?: unknown; OriginalMessage?: unknown };
  const container = typeof status === 'number' ? ` (container status ${status}${typeof original === 'string' ? `: ${original}` : ''})` : '';
  return `${error.name}: ${error.message}${container}`;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls `attempt` until it succeeds, a non-retryable error comes, or the
 * attempts (or the time before the deadline) run out (then
 * AttemptsExhaustedError). Before attempt n+1 it waits a random time in
 * [0, min(maxDelayMs, baseDelayMs * 2^(n-1))): "full jitter", which spreads
 * the retries of concurrent callers apart.
 */
export async function withRetry<T>(attempt: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const retryable = options.retryable ?? isRetryable;
  const clock = options.clock ?? Date.now;
  for (let n = 1; ; n += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!retryable(error)) throw error;
      if (n >= maxAttempts) throw new AttemptsExhaustedError(n, error);
      const delay = Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (n - 1)));
      if (options.deadline !== undefined && clock() + delay >= options.deadline) throw new AttemptsExhaustedError(n, error);
      await sleep(delay);
    }
  }
}

/** The retries of the calls of one API request: bounded attempts, and a time budget counted from the request's start. */
export interface RequestRetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** No attempt starts later than this after the request's start, milliseconds. */
  readonly budgetMs: number;
}

/** The retry options of one request under the policy, its deadline counted from now on `clock`. */
export function retryForRequest(policy: RequestRetryPolicy, options: Pick<RetryOptions, 'sleep' | 'random' | 'clock' | 'retryable'> = {}): RetryOptions {
  const clock = options.clock ?? Date.now;
  return {
    maxAttempts: policy.maxAttempts,
    baseDelayMs: policy.baseDelayMs,
    maxDelayMs: policy.maxDelayMs,
    deadline: clock() + policy.budgetMs,
    ...options,
    clock,
  };
}
