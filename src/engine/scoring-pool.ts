import type { DatasetSample } from '../datasets/index.js';
import type { Metric } from '../metrics/index.js';
import type { SampleFailure, SampleResult } from '../reports/index.js';
import type { SutAnswer } from '../sut/index.js';
import { scoreSample, type ScoringOptions } from './score-sample.js';

/**
 * Scores outputs with at most `limit` samples being scored at once, so provider-backed metrics
 * (judge, embeddings) make several calls in flight instead of one at a time, while results and
 * failures stay in dataset order whatever order the scoring finished in. One implementation for
 * serial runs, saved outputs and the producer loop.
 */
export class ScoringPool {
  private readonly results: SampleResult[];
  private readonly failuresBySample: SampleFailure[][];
  private readonly queue: { index: number; answer: SutAnswer }[] = [];
  private next = 0;
  private active = 0;
  private completed = 0;
  private failureCount = 0;
  private error: unknown;
  private idle: (() => void) | undefined;

  constructor(
    private readonly samples: readonly DatasetSample[],
    private readonly metrics: readonly Metric[],
    private readonly options: ScoringOptions & { readonly limit: number },
    private readonly onScored?: (completed: number, failures: number) => void,
  ) {
    this.results = new Array<SampleResult>(samples.length);
    this.failuresBySample = new Array<SampleFailure[]>(samples.length);
  }

  /** Queue one answer; scoring starts at once when a slot is free. */
  submit(index: number, answer: SutAnswer): void {
    this.queue.push({ index, answer });
    this.pump();
  }

  /** Every submitted output scored: the results in dataset order, or the first strict-mode error. */
  async drain(): Promise<{ results: SampleResult[]; failures: SampleFailure[] }> {
    if (this.active > 0 || (this.next < this.queue.length && this.error === undefined)) {
      await new Promise<void>((resolve) => {
        this.idle = resolve;
      });
    }
    if (this.error !== undefined) throw this.error;
    return { results: this.results, failures: this.failuresBySample.flat() };
  }

  private pump(): void {
    while (
      this.error === undefined &&
      this.active < this.options.limit &&
      this.next < this.queue.length
    ) {
      const { index, answer } = this.queue[this.next] as { index: number; answer: SutAnswer };
      this.next++;
      this.active++;
      const failures: SampleFailure[] = [];
      scoreSample(
        this.samples[index] as DatasetSample,
        answer,
        this.metrics,
        this.options,
        failures,
      ).then(
        (result) => {
          this.results[index] = result;
          this.failuresBySample[index] = failures;
          this.completed++;
          this.failureCount += failures.length;
          this.onScored?.(this.completed, this.failureCount);
          this.settle();
        },
        (error: unknown) => {
          this.error ??= error;
          this.settle();
        },
      );
    }
    // Free the queue's memory as it is consumed on long runs.
    if (this.next > 1024 && this.next * 2 > this.queue.length) {
      this.queue.splice(0, this.next);
      this.next = 0;
    }
  }

  private settle(): void {
    this.active--;
    this.pump();
    if (this.active === 0 && (this.next >= this.queue.length || this.error !== undefined)) {
      const idle = this.idle;
      this.idle = undefined;
      idle?.();
    }
  }
}
