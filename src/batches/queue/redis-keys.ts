/**
 * Redis key names of the result store, pure so they are tested directly. Every key lives under
 * the configured prefix; a prefix with a hash tag (`{evals}`) keeps a batch on one Cluster slot,
 * which the store's Lua script needs.
 */
export interface BatchKeys {
  /** Hash: sample_count, status (active | finished | aborted), ttl_seconds. */
  readonly meta: string;
  /** Hash: index → JSON {sample_id, actual_output}. */
  readonly successes: string;
  /** Hash: index → JSON {sample_id, error}. */
  readonly failures: string;
  /** Pub/sub channel: the index of each recorded outcome, so the producer wakes at once. */
  readonly events: string;
}

/** The default prefix of store keys and BullMQ queues. */
export const DEFAULT_REDIS_PREFIX = 'eval-harness';

/** The default queue name for sample jobs. */
export const DEFAULT_QUEUE_NAME = 'eval-harness-samples';

export function batchKeys(prefix: string, batchId: string): BatchKeys {
  const base = `${prefix}:batch-results:${batchId}`;
  return {
    meta: `${base}:meta`,
    successes: `${base}:ok`,
    failures: `${base}:failed`,
    events: `${base}:events`,
  };
}

/** Pub/sub channel where an aborted batch's id is announced, so workers skip its jobs at once. */
export function batchAbortsChannel(prefix: string): string {
  return `${prefix}:batch-aborts`;
}

/** BullMQ job id: deterministic per batch and index (BullMQ forbids ':' in custom ids). */
export function sampleJobId(batchId: string, index: number): string {
  return `${batchId}-${index}`;
}
