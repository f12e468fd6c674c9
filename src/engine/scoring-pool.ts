import type { DatasetSample } from '../datasets/index.js';
import type { Metric } from '../metrics/index.js';
import type { SampleFailure, SampleRepeat, SampleResult } from '../reports/index.js';
import type { SutAnswer } from '../sut/index.js';
import { createMetricScore, type MetricScore } from '../metrics/index.js';
import { scoreSample, type ScoringOptions } from './score-sample.js';

/** One sample's scoring: its result (repeats combined) and the metric failures it captured. */
export interface ScoredSample {
  readonly result: SampleResult;
  readonly failures: readonly SampleFailure[];
}

/**
 * Scores outputs with at most `limit` samples being scored at once, so provider-backed metrics
 * (judge, embeddings) make several calls in flight instead of one at a time, while results and
 * failures stay in dataset order whatever order the scoring finished in. One implementation for
 * serial runs, saved outputs and the producer loop.
 *
 * With `repeat` n > 1 a submission is one repeat: index i·n + r is repeat r of sample i. Each
 * repeat is scored on its own; a sample's result averages its repeats per metric and keeps them.
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
    private readonly options: ScoringOptions & {
      readonly limit: number;
      readonly repeat?: number;
      /** Each scored unit (a sample, or one repeat of it), as it completes. */
      /** Each unit (a sample, or one repeat of it) as soon as it is scored; `unit` numbers it. */
      readonly onUnitScored?: (
        result: SampleResult,
        failures: readonly SampleFailure[],
        unit: number,
      ) => void;
    },
    private readonly onScored?: (completed: number, failures: number) => void,
  ) {
    const units = samples.length * this.repeat;
    this.results = new Array<SampleResult>(units);
    this.failuresBySample = new Array<SampleFailure[]>(units);
  }

  /** Units scored so far. */
  get scored(): number {
    return this.completed;
  }

  /** Metric failures captured so far. */
  get failuresCaptured(): number {
    return this.failureCount;
  }

  private get repeat(): number {
    return this.options.repeat ?? 1;
  }

  /** Queue one answer; scoring starts at once when a slot is free. */
  submit(index: number, answer: SutAnswer): void {
    this.queue.push({ index, answer });
    this.pump();
  }

  /**
   * Every submitted output scored: per dataset sample, its result and captured metric failures,
   * or undefined when not every repeat of it was scored (it errored or did not run). Throws the
   * first strict-mode error.
   */
  async drain(): Promise<(ScoredSample | undefined)[]> {
    if (this.active > 0 || (this.next < this.queue.length && this.error === undefined)) {
      await new Promise<void>((resolve) => {
        this.idle = resolve;
      });
    }
    if (this.error !== undefined) throw this.error;
    const n = this.repeat;
    return this.samples.map((_, i) => {
      const units: SampleResult[] = [];
      // A loop, not some(): the arrays are sparse, and array methods skip their holes.
      for (let unit = i * n; unit < i * n + n; unit++) {
        const result = this.results[unit];
        if (result === undefined) return undefined;
        units.push(result);
      }
      const failures = this.failuresBySample.slice(i * n, i * n + n);
      return n === 1
        ? { result: units[0] as SampleResult, failures: failures[0] ?? [] }
        : {
            result: combineRepeats(units),
            failures: failures.flatMap((list, r) =>
              (list ?? []).map((failure) => ({ ...failure, repeat: r + 1 })),
            ),
          };
    });
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
        this.samples[Math.floor(index / this.repeat)] as DatasetSample,
        answer,
        this.metrics,
        this.options,
        failures,
      ).then(
        (result) => {
          this.results[index] = result;
          this.failuresBySample[index] = failures;
          this.options.onUnitScored?.(result, failures, index);
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

/**
 * One sample's result from its repeats: per metric, the mean of the repeats that scored it (a
 * repeat where the metric failed is a captured failure, not a 0); every repeat kept as it was.
 */
function combineRepeats(repeats: readonly SampleResult[]): SampleResult {
  const first = repeats[0] as SampleResult;
  const names: string[] = [];
  for (const result of repeats)
    for (const name of result.metricScores.keys()) if (!names.includes(name)) names.push(name);
  const metricScores = new Map<string, MetricScore>();
  for (const name of names) {
    const scores = repeats.flatMap((result) => {
      const score = result.metricScores.get(name);
      return score === undefined ? [] : [score.score];
    });
    const mean = scores.reduce((sum, score) => sum + score, 0) / scores.length;
    metricScores.set(
      name,
      createMetricScore(Math.min(1, Math.max(0, mean)), { repeats_scored: scores.length }),
    );
  }
  const kept: SampleRepeat[] = repeats.map((result) => ({
    actualOutput: result.actualOutput,
    ...(result.retrieved === undefined ? {} : { retrieved: result.retrieved }),
    ...(result.trajectory === undefined ? {} : { trajectory: result.trajectory }),
    ...(result.usage === undefined ? {} : { usage: result.usage }),
    metricScores: result.metricScores,
  }));
  return { ...first, metricScores, repeats: kept };
}
