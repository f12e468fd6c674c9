import type { SampleJob, SampleOutcome, SampleTransport } from '../../src/batches/index.js';
import type { FakeClock } from './fake-clock.js';

/** How one scripted sample ends: after `afterMs`, with an output, an error, or never. */
export type Script = { afterMs?: number; output?: string; error?: string } | 'never';

/**
 * A transport whose samples finish at scripted times on a FakeClock, so the producer loop's
 * windows, deadlines and completion order can be tested without real sleeps.
 */
export class ScriptedTransport implements SampleTransport {
  readonly dispatched: { index: number; atMs: number }[] = [];
  readonly windows: number[][] = [];
  cancelled: unknown = undefined;
  private readonly dispatchedAt = new Map<number, number>();

  constructor(
    private readonly clock: FakeClock,
    private readonly script: (index: number) => Script,
  ) {}

  dispatch(job: SampleJob): void {
    this.dispatched.push({ index: job.index, atMs: this.clock.nowMs });
    this.dispatchedAt.set(job.index, this.clock.nowMs);
  }

  async awaitWindow(
    indexes: readonly number[],
    deadlineMs: number,
    onOutcome: (outcome: SampleOutcome) => void,
    signal: AbortSignal,
  ): Promise<void> {
    this.windows.push([...indexes]);
    const events = indexes
      .filter((index) => this.dispatchedAt.has(index) && this.script(index) !== 'never')
      .map((index) => {
        const script = this.script(index) as Exclude<Script, 'never'>;
        return {
          index,
          atMs: (this.dispatchedAt.get(index) as number) + (script.afterMs ?? 0),
          script,
        };
      })
      .sort((a, b) => a.atMs - b.atMs || a.index - b.index);
    for (const event of events) {
      if (signal.aborted) return;
      if (event.atMs > deadlineMs) break;
      this.clock.advanceTo(event.atMs);
      onOutcome(
        event.script.error === undefined
          ? { index: event.index, ok: true, output: event.script.output ?? `output ${event.index}` }
          : { index: event.index, ok: false, message: event.script.error },
      );
    }
    if (!signal.aborted) this.clock.advanceTo(deadlineMs);
  }

  cancel(reason: unknown): void {
    this.cancelled = reason;
  }
}
