// The fields of batch options and their allowed values: a leaf, read by the option and profile
// rules (batch-rules.ts), the options themselves and the profiles.

/** Execution strategies. */
export const BATCH_MODES = ['serial', 'concurrent', 'lazy-parallel'] as const;
export type BatchMode = (typeof BATCH_MODES)[number];

/**
 * How the producer keeps samples in flight (docs/PROGRESS.md): `rolling` starts the next sample
 * as soon as one finishes; `windowed` sends a window and waits for all of it before the next.
 */
export const DISPATCH_STRATEGIES = ['rolling', 'windowed'] as const;
export type DispatchStrategy = (typeof DISPATCH_STRATEGIES)[number];

/** The nullable numeric fields, in the order validation checks them. */
export const NULLABLE_NUMERIC_FIELDS = [
  'timeoutSeconds',
  'waitTimeoutSeconds',
  'resultTtlSeconds',
  'chunkSize',
  'rateLimit',
  'rateWindowSeconds',
  'checkpointEvery',
] as const;
export type NullableNumericField = (typeof NULLABLE_NUMERIC_FIELDS)[number];

/** The fields only lazy-parallel mode uses: the queue and its result store. */
export const QUEUE_ONLY_FIELDS = ['queue', 'resultTtlSeconds'] as const;

/** How a batch runs. Immutable; build it with createBatchOptions(). */
export interface BatchOptions {
  readonly mode: BatchMode;
  /** Producer fan-out cap, and the default window size. @defaultValue 1 */
  readonly concurrency: number;
  /** Queue name for lazy-parallel jobs, stored trimmed. */
  readonly queue: string | null;
  /** Per-sample timeout (T). */
  readonly timeoutSeconds: number | null;
  /**
   * Wall-clock budget (W); null → the runner default. Windowed: per window, covering dispatch and
   * collection. Rolling: per sample from its own dispatch, and for one wait for a rate-limit slot.
   */
  readonly waitTimeoutSeconds: number | null;
  /** Caller-supplied floor for the result-store TTL (R). */
  readonly resultTtlSeconds: number | null;
  /** Samples in flight at most (rolling) or the window size (windowed); null → concurrency. */
  readonly chunkSize: number | null;
  /** Max dispatches per rate window. */
  readonly rateLimit: number | null;
  /** Sliding rate window length; null with a rate limit → 60 inside the runner. */
  readonly rateWindowSeconds: number | null;
  /** Emit a progress checkpoint every N completed samples. */
  readonly checkpointEvery: number | null;
  /** Dispatch strategy of concurrent and lazy-parallel runs; null → rolling. */
  readonly dispatch: DispatchStrategy | null;
}
