/**
 * Time as a dependency. Pure code takes a Clock instead of calling Date.now(), so tests can
 * control time.
 */
export interface Clock {
  /** Wall-clock time in epoch seconds with sub-millisecond precision (reports use it). */
  nowSeconds(): number;
  /** A monotonic reading in milliseconds (deadlines and rate windows use it). */
  monotonicMs(): number;
  /**
   * Resolve after `ms`. With `unref`, the timer alone does not keep the process alive: a SUT
   * timeout uses it, so a SUT promise that nothing will ever settle is seen as such at once
   * (the process would otherwise idle until the timeout) — see `settleAbandonedCalls`.
   */
  sleep(ms: number, signal?: AbortSignal, options?: { readonly unref?: boolean }): Promise<void>;
  /**
   * Call `fire` after `ms` unless the returned function cancels it first; the timer does not
   * hold the process open. Optional: a per-call timeout uses it when present, because an
   * AbortController per SUT call is measurable on runs of a million samples.
   */
  timer?(ms: number, fire: () => void): () => void;
}

/**
 * The reason to abort a sleep's signal with when the sleep is merely no longer needed. A bare
 * `abort()` builds a DOMException with a stack trace each time, which is measurable when a
 * queue worker cancels a timer for every job.
 */
export const SLEEP_CANCELLED: unique symbol = Symbol('sleep cancelled');

export const systemClock: Clock = {
  timer: (ms, fire) => {
    const handle = setTimeout(fire, ms);
    handle.unref();
    return () => clearTimeout(handle);
  },
  // performance.timeOrigin + now() keeps microseconds, so two fast runs get distinct times.
  nowSeconds: () => (performance.timeOrigin + performance.now()) / 1000,
  monotonicMs: () => performance.now(),
  sleep: (ms, signal, options) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      if (options?.unref === true) timer.unref();
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
