/**
 * Time for the agent: a clock and a sleep (both injected, so that tests run
 * on a fake clock and never wait), the request's time budget, and calls
 * bounded by a deadline.
 */

export interface Clock {
  /** The time, epoch milliseconds. */
  readonly now: () => number;
  /**
   * Resolves after `ms` milliseconds, or as soon as `signal` aborts (then
   * early, still resolved: the caller no longer waits for it).
   */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** The time of one request, counted from its start. */
export class Budget {
  /** When the budget is spent, on the clock's time. */
  readonly deadline: number;

  constructor(
    private readonly clock: Clock,
    readonly totalMs: number,
  ) {
    this.deadline = clock.now() + totalMs;
  }

  /** Milliseconds left; 0 or less once spent. */
  remaining(): number {
    return this.deadline - this.clock.now();
  }
}

/** A call did not finish within its deadline (it was aborted). */
export class DeadlineExceededError extends Error {
  constructor(readonly ms: number) {
    super(`did not finish within ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/**
 * Runs `work` and settles with it, unless `ms` pass first: then rejects with
 * DeadlineExceededError and aborts the signal given to `work` (an SDK call
 * passed that signal as `abortSignal` is cancelled). The signal is aborted
 * too once `work` settles, and the timer is cleared either way.
 */
export async function withDeadline<T>(work: (signal: AbortSignal) => Promise<T>, ms: number, clock: Clock): Promise<T> {
  if (ms <= 0) throw new DeadlineExceededError(Math.max(ms, 0));
  const cancel = new AbortController();
  const stopTimer = new AbortController();
  const timeout = clock.sleep(ms, stopTimer.signal).then(() => {
    throw new DeadlineExceededError(ms);
  });
  try {
    // Called inside an async function, so that a synchronous throw of `work` is a rejection the race handles.
    const run = (async () => work(cancel.signal))();
    return await Promise.race([run, timeout]);
  } finally {
    stopTimer.abort();
    cancel.abort();
  }
}
