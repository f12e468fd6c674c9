import type { DatasetSample } from '../datasets/index.js';
import type { Metric } from '../metrics/index.js';
import type { SampleFailure, SampleRepeat, SampleResult } from '../reports/index.js';
import type { SutAnswer } from '../sut/index.js';
import { createMetricScore, type MetricScore } from '../metrics/index.js';
import { MemoryResultStore, type ResultStore } from './result-spool.js';
import { scoreSample, type ScoringOptions } from './score-sample.js';

/** One sample's scoring: its result (repeats combined) and the metric failures it captured. */
export interface ScoredSample {
  readonly result: SampleResult;
  readonly failures: readonly SampleFailure[];
}

/** What a drained pool scored, by dataset sample index; results may be on disk. */
export interface ScoredSamples {
  /** Whether every repeat of sample `index` was scored. */
  has(index: number): boolean;
  /** The metric failures sample `index` captured (numbered by repeat with `--repeat`). */
  failures(index: number): readonly SampleFailure[];
  /** Where the results are: read them through `list`. */
  readonly store: ResultStore;
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
  /** Each sample's result once every repeat of it is scored. */
  private readonly store: ResultStore;
  /** Repeats of a sample scored so far, until its last one is (with `--repeat` only). */
  private readonly partial = new Map<
    number,
    { units: SampleResult[]; failures: SampleFailure[][] }
  >();
  /** Failures by sample, only for samples that have any. */
  private readonly failuresBySample = new Map<number, SampleFailure[]>();
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
      /** Where finished results wait for the report. @defaultValue memory */
      readonly store?: ResultStore;
    },
    private readonly onScored?: (completed: number, failures: number) => void,
  ) {
    this.store = options.store ?? new MemoryResultStore();
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
   * Every submitted output scored: which samples have every repeat scored, their failures, and
   * the store their results are in. Throws the first strict-mode error.
   */
  async drain(): Promise<ScoredSamples> {
    if (this.active > 0 || (this.next < this.queue.length && this.error === undefined)) {
      await new Promise<void>((resolve) => {
        this.idle = resolve;
      });
    }
    if (this.error !== undefined) throw this.error;
    const { store, failuresBySample } = this;
    return {
      store,
      has: (index) => store.has(index),
      failures: (index) => failuresBySample.get(index) ?? [],
    };
  }

  /** A scored unit: stored at once, or kept until its sample's other repeats are scored too. */
  private keep(unit: number, result: SampleResult, failures: SampleFailure[]): void {
    const n = this.repeat;
    if (n === 1) {
      this.store.put(unit, result);
      if (failures.length > 0) this.failuresBySample.set(unit, failures);
      return;
    }
    const index = Math.floor(unit / n);
    let partial = this.partial.get(index);
    if (partial === undefined) {
      partial = { units: new Array<SampleResult>(n), failures: new Array<SampleFailure[]>(n) };
      this.partial.set(index, partial);
    }
    partial.units[unit % n] = result;
    partial.failures[unit % n] = failures;
    // A loop, not every(): the arrays are sparse, and array methods skip their holes.
    for (let r = 0; r < n; r++) if (partial.units[r] === undefined) return;
    this.partial.delete(index);
    this.store.put(index, combineRepeats(partial.units));
    const numbered = partial.failures.flatMap((list, r) =>
      (list ?? []).map((failure) => ({ ...failure, repeat: r + 1 })),
    );
    if (numbered.length > 0) this.failuresBySample.set(index, numbered);
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
          this.keep(index, result, failures);
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
