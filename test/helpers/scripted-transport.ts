import type { SampleJob, SampleOutcome, SampleTransport } from '../../src/batches/index.js';
import type { FakeClock } from './fake-clock.js';

/** How one scripted sample ends: after `afterMs`, with an output, an error, or never. */
export type Script =
  { afterMs?: number; output?: string; error?: string; fatal?: boolean } | 'never';

/**
 * A transport whose samples finish at scripted times on a FakeClock, so the producer loop's
 * dispatch strategies, deadlines and completion order can be tested without real sleeps.
 */
export class ScriptedTransport implements SampleTransport {
  readonly dispatched: { index: number; atMs: number }[] = [];
  /** The pending indexes of each awaitOutcomes call (one per window in windowed dispatch). */
  readonly windows: number[][] = [];
  /** When each outcome was delivered, in delivery order. */
  readonly delivered: { index: number; atMs: number }[] = [];
  /** The most samples dispatched and not yet delivered at any moment. */
  maxInFlight = 0;
  cancelled: unknown = undefined;
  /** Whether the loop took back undispatched work (an interrupt). */
  withdrawn = false;
  private readonly dispatchedAt = new Map<number, number>();
  private readonly running = new Set<number>();

  constructor(
    private readonly clock: FakeClock,
    private readonly script: (index: number) => Script,
  ) {}

  dispatch(job: SampleJob): void {
    this.dispatched.push({ index: job.index, atMs: this.clock.nowMs });
    this.dispatchedAt.set(job.index, this.clock.nowMs);
    this.running.add(job.index);
    this.maxInFlight = Math.max(this.maxInFlight, this.running.size);
  }

  async awaitOutcomes(
    pending: ReadonlySet<number>,
    untilMs: number,
    onOutcome: (outcome: SampleOutcome) => void,
    signal: AbortSignal,
  ): Promise<void> {
    this.windows.push([...pending]);
    const events = [...pending]
      .filter((index) => this.running.has(index) && this.script(index) !== 'never')
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
      if (event.atMs > untilMs) break;
      this.clock.advanceTo(event.atMs);
      this.running.delete(event.index);
      this.delivered.push({ index: event.index, atMs: this.clock.nowMs });
      onOutcome(
        event.script.error === undefined
          ? {
              index: event.index,
              ok: true,
              answer: { output: event.script.output ?? `output ${event.index}` },
            }
          : {
              index: event.index,
              ok: false,
              message: event.script.error,
              ...(event.script.fatal === true ? { fatal: true } : {}),
            },
      );
    }
    if (!signal.aborted) this.clock.advanceTo(untilMs);
  }

  withdraw(): Promise<number[]> {
    this.withdrawn = true;
    return Promise.resolve([]);
  }

  cancel(reason: unknown): void {
    this.cancelled = reason;
  }
}
