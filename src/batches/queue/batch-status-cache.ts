import type { Clock } from '../../clock.js';
import type { BatchStatus } from './result-store.js';

/** How long a worker trusts that a batch is still active before reading its status again. */
export const ACTIVE_STATUS_MAX_AGE_MS = 1000;
/** Batches remembered at most; past that the cache starts over (each batch is one read again). */
const REMEMBERED_BATCHES = 1024;

/** Which batches a worker should still run jobs for. */
export interface BatchStatusCache {
  /** The batch's status: read once per batch and then every `maxAgeMs` while it stays active. */
  status(batchId: string): Promise<BatchStatus | undefined>;
  /** An abort announced by the producer: the batch's remaining jobs are skipped from now on. */
  markAborted(batchId: string): void;
}

/**
 * A worker asks before each job whether its batch is still active (an aborted batch's jobs must
 * not run: nobody reads their outcomes and the SUT call may cost money). One read per job would
 * put a Redis round trip on every job; instead each batch is read once and then at most once per
 * `maxAgeMs`, and aborts arrive by pub/sub through `markAborted` within milliseconds. A status
 * other than active never changes back, so it is kept.
 */
export function createBatchStatusCache(
  read: (batchId: string) => Promise<BatchStatus | undefined>,
  clock: Clock,
  maxAgeMs = ACTIVE_STATUS_MAX_AGE_MS,
): BatchStatusCache {
  // The promise is cached, so the jobs of a batch that arrive together share one read.
  const known = new Map<string, { status: Promise<BatchStatus | undefined>; readAtMs: number }>();
  const remember = (batchId: string, status: Promise<BatchStatus | undefined>): void => {
    if (known.size >= REMEMBERED_BATCHES && !known.has(batchId)) known.clear();
    known.set(batchId, { status, readAtMs: clock.monotonicMs() });
  };
  return {
    async status(batchId) {
      const entry = known.get(batchId);
      if (entry !== undefined) {
        const status = await entry.status;
        if (status !== 'active' || clock.monotonicMs() - entry.readAtMs < maxAgeMs) return status;
      }
      const reading = read(batchId);
      remember(batchId, reading);
      try {
        return await reading;
      } catch (error) {
        // A failed read is not an answer: the next job asks Redis again.
        if (known.get(batchId)?.status === reading) known.delete(batchId);
        throw error;
      }
    },
    markAborted(batchId) {
      remember(batchId, Promise.resolve('aborted'));
    },
  };
}
