/** Result TTLs, pure. */

/** The per-batch fallback per-sample duration for dispatch() when no timeout is set. */
export const DISPATCH_FALLBACK_SECONDS = 60;

export interface RunTtlInput {
  readonly samples: number;
  /** E, the producer window. */
  readonly chunkSize: number;
  /** W, the per-window wait. */
  readonly waitSeconds: number;
  /** T, the per-sample timeout. */
  readonly timeoutSeconds: number | null;
  /** F, the configured floor. */
  readonly floorSeconds: number;
  /** R, the caller's TTL. */
  readonly resultTtlSeconds: number | null;
}

/** run(): long enough for every window to use its whole budget. */
export function runTtlSeconds(input: RunTtlInput): number {
  const windows = Math.max(1, Math.ceil(input.samples / input.chunkSize));
  const timeout = input.timeoutSeconds ?? 0;
  const windowWait = Math.max(input.waitSeconds, timeout) * windows;
  return Math.max(
    input.floorSeconds,
    input.waitSeconds,
    windowWait,
    timeout,
    input.resultTtlSeconds ?? 0,
  );
}

/**
 * dispatch(): a drain estimate keyed by concurrency (the producer cannot see the worker pool);
 * the wait timeout is deliberately not part of it, it bounds run()'s producer, not the workers.
 */
export function dispatchTtlSeconds(
  input: Omit<RunTtlInput, 'chunkSize' | 'waitSeconds'> & { readonly concurrency: number },
): number {
  const drainBatches = Math.max(1, Math.ceil(input.samples / input.concurrency));
  const perBatch = input.timeoutSeconds ?? DISPATCH_FALLBACK_SECONDS;
  return Math.max(
    input.floorSeconds,
    drainBatches * perBatch,
    input.timeoutSeconds ?? 0,
    input.resultTtlSeconds ?? 0,
  );
}
