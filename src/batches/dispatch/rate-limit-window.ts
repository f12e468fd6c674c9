import { EvalRunError } from '../../errors.js';

/** Compaction waits until at least this many entries are dead, so pruning stays amortised O(1). */
const COMPACT_AFTER = 256;

/**
 * A sliding window of dispatch times. Pure: it never sleeps and never reads a
 * clock; callers pass non-decreasing monotonic times in seconds.
 *
 * Unlike a fixed-window limiter (which can release twice the budget across a window boundary),
 * no interval of `rateWindowSeconds` ever holds more than `rateLimit` recorded dispatches.
 */
export class RateLimitWindow {
  private timestamps: number[] = [];
  private head = 0;

  constructor(
    readonly rateLimit: number,
    readonly rateWindowSeconds: number,
  ) {
    if (!Number.isInteger(rateLimit) || rateLimit < 1)
      throw new EvalRunError('Rate limit must be greater than or equal to 1.');
    if (!(rateWindowSeconds >= 1))
      throw new EvalRunError('Rate window seconds must be greater than or equal to 1.');
  }

  /** How long to wait before the next dispatch may happen at `now`; 0 when it may go now. */
  nextWaitMicroseconds(now: number): number {
    this.prune(now);
    if (this.liveCount() < this.rateLimit) return 0;
    const wait = (this.timestamps[this.head] as number) + this.rateWindowSeconds - now;
    return wait <= 0 ? 0 : Math.ceil(wait * 1e6);
  }

  /** Record a dispatch at `now`. */
  record(now: number): void {
    this.prune(now);
    this.timestamps.push(now);
  }

  /** Dispatches inside the window that ends at the last pruned time. */
  liveCount(): number {
    return this.timestamps.length - this.head;
  }

  /** Length of the underlying storage (live plus not yet compacted); exposed for tests. */
  storageLength(): number {
    return this.timestamps.length;
  }

  headIndex(): number {
    return this.head;
  }

  private prune(now: number): void {
    // An entry exactly one window old has expired.
    const cutoff = now - this.rateWindowSeconds;
    while (this.head < this.timestamps.length && (this.timestamps[this.head] as number) <= cutoff)
      this.head++;
    if (this.head >= COMPACT_AFTER && 2 * this.head >= this.timestamps.length) {
      this.timestamps = this.timestamps.slice(this.head);
      this.head = 0;
    }
  }
}
