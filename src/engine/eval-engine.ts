import type { DatasetSample } from '../datasets/index.js';
import { systemClock, type Clock } from '../clock.js';
import {
  createBatchId,
  createInProcessTransport,
  effectiveCallPolicy,
  runProducerLoop,
  serialBatchOptions,
  DEFAULT_WAIT_TIMEOUT_SECONDS,
  type BatchOptions,
  type BatchProgressReporter,
  type DispatchActivity,
  type ProducerLoopEnd,
  type SampleCallError,
  type SampleTransport,
  type SutCallPolicy,
} from '../batches/index.js';
import { EvalRunError } from '../errors.js';
import { MetricRegistry } from '../metrics/index.js';
import {
  PASS_THRESHOLD,
  type BudgetOutcome,
  createEvalReport,
  type EvalReport,
  type SampleError,
  type SampleFailure,
  type SampleResult,
} from '../reports/index.js';
import {
  createSampleInvocation,
  SavedOutputs,
  type SampleInvocation,
  type SampleRunner,
  type SutAnswer,
} from '../sut/index.js';
import { isPlainObject, listIds } from '../values.js';
import { DatasetBuilder } from './dataset-builder.js';
import type { GoldenDataset } from './golden-dataset.js';
import { SpoolResultStore } from './result-spool.js';
import { ScoringPool, type ScoredSample, type ScoredSamples } from './scoring-pool.js';
import { SpendMeter, type Budget } from './spend-meter.js';

export interface RuntimeOptions {
  /**
   * Abort the run on the first MetricError instead of recording it as a sample failure.
   * @defaultValue false
   */
  readonly raiseExceptions?: boolean;
  /**
   * Samples scored at once (provider-backed metrics make this many calls in flight).
   * @defaultValue 4
   */
  readonly metricConcurrency?: number;
}

export interface EvalEngineOptions {
  readonly clock?: Clock;
  readonly metrics?: MetricRegistry;
  readonly runtime?: RuntimeOptions;
  /**
   * Datasets with more samples than this keep their scored results in a temporary file until
   * the reports are written, not in memory (a report then reads them back as it iterates).
   * @defaultValue SPOOL_RESULTS_ABOVE
   */
  readonly spoolResultsAbove?: number;
}

/**
 * Above this many samples a run's results go to disk: below it the file costs more than it
 * saves (10,000 results are about 15 MB in memory).
 */
export const SPOOL_RESULTS_ABOVE = 10_000;

/** Per-sample progress, for live displays; fires in every mode. */
export interface SampleProgress {
  /** Samples done so far: scored or errored. */
  readonly completed: number;
  readonly total: number;
  /** Metric failures captured so far. */
  readonly failures: number;
  /** Samples the SUT could not answer so far. */
  readonly errors: number;
}

/**
 * One sample (or one repeat of it) finished: scored, with the metric failures captured, or an
 * error of the SUT. Reported as it happens, in the order samples finish.
 */
export type FinishedSample =
  | {
      readonly kind: 'scored';
      readonly result: SampleResult;
      readonly failures: readonly SampleFailure[];
      /** 1-based, with `repeat` > 1. */
      readonly repeat?: number;
    }
  | {
      readonly kind: 'error';
      readonly sampleId: string;
      readonly error: string;
      readonly repeat?: number;
    };

export interface RunOptions {
  /**
   * Interrupts the run: nothing more is dispatched, samples in flight get a grace period
   * (`interruptGraceMs`), and the report (status `interrupted`) covers what finished.
   */
  readonly signal?: AbortSignal;
  /** @defaultValue 5000 */
  readonly interruptGraceMs?: number;
  /**
   * The timeout of each SUT call (per attempt) and its retries, in serial and concurrent mode
   * (queue workers read theirs from the job). @defaultValue 300 s, no retries
   */
  readonly sut?: SutCallPolicy;
  /**
   * Sample errors (SUT calls that failed for good) the run goes on past; they count as failures.
   * One more stops dispatching: in-flight samples finish and the report says `stopped-on-error`.
   * @defaultValue 0
   */
  readonly maxErrors?: number;
  /**
   * Samples already scored by an earlier run of this dataset (`--resume`), by id: they are kept
   * as they are and not run again.
   */
  readonly resume?: ReadonlyMap<string, ScoredSample>;
  /** How samples are dispatched. @defaultValue serial */
  readonly batch?: BatchOptions;
  /** Checkpoint and terminal events (concurrent and lazy-parallel modes). */
  readonly progress?: BatchProgressReporter;
  /** Called after each sample is scored. */
  readonly onSampleDone?: (progress: SampleProgress) => void;
  /** Each sample as it finishes, with its scores or its error (`--jsonl`). */
  readonly onSampleFinished?: (finished: FinishedSample) => void;
  /** What the producer is doing: samples in flight, rate-limit waits (concurrent, lazy-parallel). */
  readonly onDispatchActivity?: (activity: DispatchActivity) => void;
  /**
   * The per-window wait when the batch options leave it unset.
   * @defaultValue 60
   */
  readonly defaultWaitTimeoutSeconds?: number;
  /**
   * How many times each sample runs, as independent SUT calls; scores are averaged per sample
   * and every repeat is kept in the report. @defaultValue 1
   */
  readonly repeat?: number;
  /**
   * A spending limit: once the known spend (SUT and metric usage, priced) passes it, nothing more
   * is dispatched, the samples in flight finish, and the report covers what ran.
   */
  readonly budget?: Budget;
}

/**
 * Registers datasets and runs them. One engine per CLI invocation; library users create their
 * own. No global state.
 */
export class EvalEngine {
  readonly metrics: MetricRegistry;
  private readonly clock: Clock;
  private readonly runtime: Required<RuntimeOptions>;
  private readonly datasets = new Map<string, GoldenDataset>();
  private readonly spoolResultsAbove: number;

  constructor(options: EvalEngineOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.spoolResultsAbove = options.spoolResultsAbove ?? SPOOL_RESULTS_ABOVE;
    this.metrics = options.metrics ?? new MetricRegistry();
    this.runtime = {
      raiseExceptions: options.runtime?.raiseExceptions ?? false,
      metricConcurrency: Math.max(1, Math.floor(options.runtime?.metricConcurrency ?? 4)),
    };
  }

  /** Start a dataset builder; `register()` adds the dataset to this engine. */
  dataset(name: string): DatasetBuilder {
    return new DatasetBuilder(name, this.metrics, (dataset) => this.registerDataset(dataset));
  }

  /** Register (or replace, keeping its first position) a dataset. */
  registerDataset(dataset: GoldenDataset): void {
    this.datasets.set(dataset.name, dataset);
  }

  hasDataset(name: string): boolean {
    return this.datasets.has(name);
  }

  registeredDatasetNames(): string[] {
    return [...this.datasets.keys()];
  }

  getDataset(name: string): GoldenDataset {
    const dataset = this.datasets.get(name);
    if (dataset === undefined) {
      const known = this.registeredDatasetNames();
      throw new EvalRunError(
        `Dataset '${name}' is not registered. Register it with engine.dataset(...).register() first${known.length > 0 ? `; registered datasets: ${known.join(', ')}` : ''}.`,
        { code: 'E_UNKNOWN_DATASET' },
      );
    }
    return dataset;
  }

  reset(): void {
    this.datasets.clear();
  }

  /**
   * Run every sample through the SUT and score each output as it arrives. Serial mode calls the
   * SUT one sample at a time in dataset order; concurrent mode fans out in-process. Both go
   * through the producer loop (serial is one in flight with no wait deadline), so a SUT error is
   * that sample's error in every mode, and the report is in dataset order.
   */
  async run(name: string, sut: SampleRunner, options: RunOptions = {}): Promise<EvalReport> {
    const batch = options.batch ?? serialBatchOptions();
    if (batch.mode === 'lazy-parallel') {
      throw new EvalRunError(
        'Lazy parallel batch mode requires a SampleRunner system-under-test that workers can rebuild by name from their own config; a function passed in-process cannot travel through a queue. Declare the SUT in the config (sut:) and run with runOnTransport() and a queue transport, or use serial or concurrent mode.',
      );
    }
    return this.runOnTransport(
      name,
      () =>
        createInProcessTransport({
          runner: sut,
          policy: effectiveCallPolicy(batch.timeoutSeconds, options.sut),
          clock: this.clock,
        }),
      { ...options, batch },
    );
  }

  private scoringPool(
    dataset: GoldenDataset,
    options: RunOptions = {},
    meter?: SpendMeter,
    progress: { readonly total: number; readonly errors: () => number } = {
      total: dataset.samples.length * repeatOf(options),
      errors: () => 0,
    },
  ): ScoringPool {
    const repeat = repeatOf(options);
    return new ScoringPool(
      dataset.samples,
      dataset.metrics,
      {
        raiseExceptions: this.runtime.raiseExceptions,
        assertionMetrics: dataset.assertionMetrics,
        limit: this.runtime.metricConcurrency,
        repeat,
        ...(dataset.samples.length > this.spoolResultsAbove
          ? {
              store: new SpoolResultStore(
                dataset.samples.length,
                (index) => dataset.samples[index] as DatasetSample,
              ),
            }
          : {}),
        ...(meter === undefined && options.onSampleFinished === undefined
          ? {}
          : {
              onUnitScored: (result, failures, unit) => {
                meter?.addScored(result, failures);
                options.onSampleFinished?.({
                  kind: 'scored',
                  result,
                  failures,
                  ...(repeat > 1 ? { repeat: (unit % repeat) + 1 } : {}),
                });
              },
            }),
      },
      (completed, failures) => {
        const errors = progress.errors();
        options.onSampleDone?.({
          completed: completed + errors,
          total: progress.total,
          failures,
          errors,
        });
      },
    );
  }

  /**
   * Run a dataset through the producer loop on any transport (in-process calls, BullMQ jobs).
   * Each output is scored as soon as it arrives; the report stays in dataset order, failures
   * included, whatever order samples finished in.
   */
  async runOnTransport(
    name: string,
    createTransport: (invocations: readonly SampleInvocation[], batchId: string) => SampleTransport,
    options: RunOptions & { readonly batch: BatchOptions; readonly batchId?: string },
  ): Promise<EvalReport> {
    const startedAt = this.clock.nowSeconds();
    const dataset = this.getDataset(name);
    const repeat = repeatOf(options);
    const serial = options.batch.mode === 'serial';
    // Samples a resumed run already has are not run again.
    const todo = dataset.samples.flatMap((sample, index) =>
      options.resume?.has(sample.id) === true ? [] : [index],
    );
    // Build (and validate) every invocation before the first SUT call, so a bad late sample
    // costs no SUT calls. A repeat is one more invocation: the rate limit, the in-flight cap and
    // checkpoints count SUT calls.
    const invocations = repeated(
      todo.map((index) =>
        createSampleInvocation(dataset.samples[index] as (typeof dataset.samples)[number]),
      ),
      repeat,
    );
    // Invocation k is repeat k mod n of sample todo[k / n]; the pool numbers units dataset-wide.
    const unitOf = (k: number): number =>
      (todo[Math.floor(k / repeat)] as number) * repeat + (k % repeat);
    const batchId = options.batchId ?? createBatchId();
    const transport = createTransport(invocations, batchId);
    const meter = options.budget === undefined ? undefined : new SpendMeter(options.budget);
    const errors = new Map<number, SampleCallError>();
    const attempts = new Map<number, number>();
    const pool = this.scoringPool(dataset, options, meter, {
      total: invocations.length,
      errors: () => errors.size,
    });
    const end = await runProducerLoop({
      batchId,
      invocations,
      options: options.batch,
      transport,
      clock: this.clock,
      // Serial mode has no wait deadline: each SUT call has its own timeout.
      defaultWaitTimeoutSeconds: serial
        ? null
        : (options.defaultWaitTimeoutSeconds ?? DEFAULT_WAIT_TIMEOUT_SECONDS),
      ...(options.progress === undefined || serial ? {} : { reporter: options.progress }),
      ...(options.onDispatchActivity === undefined || serial
        ? {}
        : { onActivity: options.onDispatchActivity }),
      // Scoring starts as soon as an output arrives, while other samples are still running.
      onOutput: (k, answer, tries) => {
        meter?.addAnswer(answer);
        if (tries > 1) attempts.set(unitOf(k), tries);
        pool.submit(unitOf(k), answer);
      },
      onError: (k, error) => {
        errors.set(unitOf(k), error);
        options.onSampleFinished?.({
          kind: 'error',
          sampleId: invocations[k]?.id ?? '',
          error: error.message,
          ...(repeat > 1 ? { repeat: (k % repeat) + 1 } : {}),
        });
        options.onSampleDone?.({
          completed: pool.scored + errors.size,
          total: invocations.length,
          failures: pool.failuresCaptured,
          errors: errors.size,
        });
      },
      maxErrors: options.maxErrors ?? 0,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.interruptGraceMs === undefined ? {} : { graceMs: options.interruptGraceMs }),
      ...(meter === undefined ? {} : { halted: () => meter.exceeded }),
    });
    const scored = await pool.drain();
    return this.finish(dataset, startedAt, scored, {
      end,
      repeat,
      errors,
      attempts,
      ...(meter === undefined ? {} : { meter }),
      ...(options.resume === undefined ? {} : { resume: options.resume }),
    });
  }

  /** Check that saved outputs cover the dataset exactly, without scoring (used by --dry-run). */
  checkSavedOutputs(name: string, outputs: SavedOutputs | Record<string, unknown>): void {
    const dataset = this.getDataset(name);
    checkCompleteness(dataset, toSavedOutputs(outputs, dataset.name));
  }

  /** Score precomputed outputs with the dataset's metrics, without a SUT. */
  async scoreOutputs(
    name: string,
    outputs: SavedOutputs | Record<string, unknown>,
    options: Pick<RunOptions, 'onSampleDone' | 'onSampleFinished'> = {},
  ): Promise<EvalReport> {
    const startedAt = this.clock.nowSeconds();
    const dataset = this.getDataset(name);
    const saved = toSavedOutputs(outputs, dataset.name);
    checkCompleteness(dataset, saved);
    const pool = this.scoringPool(dataset, options);
    for (const [index, sample] of dataset.samples.entries())
      pool.submit(index, saved.answer(sample.id) as SutAnswer);
    return this.finish(dataset, startedAt, await pool.drain());
  }

  /**
   * The report of a run: each dataset sample, in order, is kept from the resumed report, errored
   * (any of its repeats could not be answered), scored (every repeat scored) or not run.
   */
  private finish(
    dataset: GoldenDataset,
    startedAt: number,
    scored: ScoredSamples,
    run: {
      readonly end: ProducerLoopEnd;
      readonly repeat: number;
      readonly errors: ReadonlyMap<number, SampleCallError>;
      readonly attempts: ReadonlyMap<number, number>;
      readonly meter?: SpendMeter;
      readonly resume?: ReadonlyMap<string, ScoredSample>;
    } = {
      end: { status: 'complete', reason: null },
      repeat: 1,
      errors: new Map(),
      attempts: new Map(),
    },
  ): EvalReport {
    const { repeat, errors, attempts } = run;
    // The scored samples by dataset index, read back from the store in dataset order; a
    // resumed sample's result comes from the report it was kept from.
    const order: number[] = [];
    const kept = new Map<number, SampleResult>();
    const calls = new Map<number, number>();
    const failures: SampleFailure[] = [];
    const sampleErrors: SampleError[] = [];
    const notRun: string[] = [];
    dataset.samples.forEach((sample, i) => {
      const resumed = run.resume?.get(sample.id) ?? undefined;
      if (resumed !== undefined) {
        order.push(i);
        kept.set(i, resumed.result);
        failures.push(...resumed.failures);
        return;
      }
      let made = 0;
      for (let r = 0; r < repeat; r++) {
        const unit = i * repeat + r;
        const error = errors.get(unit);
        if (error !== undefined) {
          sampleErrors.push({
            sampleId: sample.id,
            error: error.message,
            attempts: error.attempts,
            ...(repeat > 1 ? { repeat: r + 1 } : {}),
            ...(error.cause === undefined ? {} : { cause: error.cause }),
          });
          return;
        }
        made += attempts.get(unit) ?? 1;
      }
      if (!scored.has(i)) {
        notRun.push(sample.id);
        return;
      }
      order.push(i);
      if (made > repeat) calls.set(i, made);
      failures.push(...scored.failures(i));
    });
    const results = scored.store.list(order, (i, result) => {
      const made = calls.get(i);
      return kept.get(i) ?? (made === undefined ? result : { ...result, attempts: made });
    });
    return createEvalReport({
      datasetName: dataset.name,
      datasetSchemaVersion: dataset.schemaVersion,
      startedAt,
      finishedAt: this.clock.nowSeconds(),
      sampleResults: results,
      failures,
      passLines: passLinesOf(dataset),
      status: run.end.status,
      stopReason: run.end.reason,
      sampleErrors,
      notRun,
      ...(run.meter === undefined
        ? {}
        : {
            budget: budgetOutcome(
              run.meter,
              run.end.status === 'budget-halted',
              order.length,
              dataset.samples.length,
            ),
          }),
    });
  }
}

function toSavedOutputs(
  outputs: SavedOutputs | Record<string, unknown>,
  datasetName: string,
): SavedOutputs {
  if (outputs instanceof SavedOutputs) return outputs;
  if (!isPlainObject(outputs)) {
    throw new EvalRunError(
      `Saved outputs for dataset '${datasetName}' must be a keyed map of sample id to output string.`,
    );
  }
  return SavedOutputs.fromMap(outputs, datasetName);
}

/** Missing ids (dataset order), then unknown ids (output order); never trimmed. */
function checkCompleteness(dataset: GoldenDataset, saved: SavedOutputs): void {
  const missing = dataset.samples
    .filter((sample) => saved.get(sample.id) === undefined)
    .map((sample) => sample.id);
  if (missing.length > 0) {
    throw new EvalRunError(
      `Saved outputs for dataset '${dataset.name}' are missing sample ids: ${listIds(missing)}.`,
    );
  }
  // Every sample has its output and sample ids are unique, so there are unknown outputs exactly
  // when there are more outputs than samples; only then are the ids gathered to name them.
  if (saved.size <= dataset.samples.length) return;
  const known = new Set(dataset.samples.map((sample) => sample.id));
  const unknown = saved.ids().filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new EvalRunError(
      `Saved outputs for dataset '${dataset.name}' contain unknown sample ids: ${listIds(unknown)}.`,
    );
  }
}

/** Every metric's pass line: the dataset's where set, else the default. */
function passLinesOf(dataset: GoldenDataset): Record<string, number> {
  return Object.fromEntries(
    dataset.metrics.map((metric) => [
      metric.name,
      dataset.passLines[metric.name] ?? PASS_THRESHOLD,
    ]),
  );
}

/** The repeat count of a run, checked: a positive whole number. */
function repeatOf(options: RunOptions): number {
  const repeat = options.repeat ?? 1;
  if (!Number.isSafeInteger(repeat) || repeat < 1)
    throw new EvalRunError(`The repeat count must be a positive whole number; got ${repeat}.`);
  return repeat;
}

/**
 * Each invocation `repeat` times in a row, numbered: invocation i's repeats are i·n … i·n + n − 1,
 * and each says which repeat it is.
 */
function repeated(invocations: SampleInvocation[], repeat: number): SampleInvocation[] {
  return repeat === 1
    ? invocations
    : invocations.flatMap((invocation) =>
        Array.from({ length: repeat }, (_, r) => Object.freeze({ ...invocation, repeat: r })),
      );
}

/** How the budget of a run ended; halted when it stopped the run before every sample ran. */
function budgetOutcome(
  meter: SpendMeter,
  halted: boolean,
  completed: number,
  total: number,
): BudgetOutcome {
  return {
    limit_usd: meter.budget.limitUsd,
    spent_usd: meter.spent,
    halted,
    completed_samples: completed,
    reason: halted
      ? `known spend of $${meter.spent.toFixed(4)} passed the budget of $${meter.budget.limitUsd}; ${completed} of ${total} samples ran`
      : null,
  };
}
