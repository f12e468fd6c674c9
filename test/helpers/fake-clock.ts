import type { Clock } from '../../src/clock.js';

/** A clock that only moves when something sleeps or the test advances it. */
export class FakeClock implements Clock {
  nowMs = 0;
  readonly sleeps: number[] = [];

  nowSeconds(): number {
    return 1_000 + this.nowMs / 1000;
  }

  monotonicMs(): number {
    return this.nowMs;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.nowMs += ms;
  }

  advanceTo(ms: number): void {
    this.nowMs = Math.max(this.nowMs, ms);
  }
}
