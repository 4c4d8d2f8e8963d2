/**
 * Retries of the calls to the candidate (and to the LLM judge): throttling, capacity and transient
 * errors, with exponential backoff and full jitter, a bounded number of
 * attempts. The SDK clients of the model calls run with `maxAttempts: 1`
 * (index.ts) so that this is the only retry layer.
 */

export interface RetryOptions {
  /** Attempts per call (the candidate's, the judge's), the first included. @default 6 */
  readonly maxAttempts?: number;
  /** Ceiling of the first backoff, milliseconds; doubles per attempt. @default 1000 */
  readonly baseDelayMs?: number;
  /** Largest backoff ceiling, milliseconds. @default 20000 */
  readonly maxDelayMs?: number;
  /** Waits; injected by tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1) for the jitter; injected by tests. @default Math.random */
  readonly random?: () => number;
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
/** Statuses of a SageMaker ModelError (the container's own) that mean overloaded or starting. */
const RETRYABLE_MODEL_STATUSES = new Set([429, 503]);
/** Network failures of the Node HTTP stack. */
const RETRYABLE_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/** Whether an error of a model call is worth another attempt. */
export function isRetryable(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { name, code, OriginalStatusCode: status } = error as { name?: unknown; code?: unknown; OriginalStatusCode?: unknown };
  if (typeof name === 'string' && RETRYABLE_NAMES.has(name)) return true;
  if (name === 'ModelError' && typeof status === 'number') return RETRYABLE_MODEL_STATUSES.has(status);
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
 * attempts run out (then AttemptsExhaustedError). Before attempt n+1 it
 * waits a random time in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))): "full
 * jitter", which spreads the retries of concurrent records apart.
 */
export async function withRetry<T>(attempt: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  for (let n = 1; ; n += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!isRetryable(error)) throw error;
      if (n >= maxAttempts) throw new AttemptsExhaustedError(n, error);
      await sleep(Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (n - 1))));
    }
  }
}
