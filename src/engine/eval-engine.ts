import { systemClock, type Clock } from '../clock.js';
import {
  callSampleRunner,
  createBatchId,
  createInProcessTransport,
  runProducerLoop,
  serialBatchOptions,
  sutFailureMessage,
  DEFAULT_WAIT_TIMEOUT_SECONDS,
  type BatchOptions,
  type BatchProgressReporter,
  type DispatchActivity,
  type SampleTransport,
} from '../batches/index.js';
import { EvalRunError, SutError } from '../errors.js';
import { MetricRegistry } from '../metrics/index.js';
import {
  type BudgetOutcome,
  createEvalReport,
  type EvalReport,
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
import { ScoringPool } from './scoring-pool.js';
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
}

/** Per-sample progress, for live displays; fires in every mode. */
export interface SampleProgress {
  readonly completed: number;
  readonly total: number;
  /** Metric failures captured so far. */
  readonly failures: number;
}

export interface RunOptions {
  /** Aborts the SUT call in flight and stops the run. */
  readonly signal?: AbortSignal;
  /** How samples are dispatched. @defaultValue serial */
  readonly batch?: BatchOptions;
  /** Checkpoint and terminal events (concurrent and lazy-parallel modes). */
  readonly progress?: BatchProgressReporter;
  /** Called after each sample is scored. */
  readonly onSampleDone?: (progress: SampleProgress) => void;
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

  constructor(options: EvalEngineOptions = {}) {
    this.clock = options.clock ?? systemClock;
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
   * SUT one sample at a time in dataset order; concurrent mode fans out in-process with the
   * producer loop's windows, rate limit, deadlines and checkpoints. Either way the report is in
   * dataset order. A SUT that throws or returns a non-string aborts the run (no report).
   */
  async run(name: string, sut: SampleRunner, options: RunOptions = {}): Promise<EvalReport> {
    const batch = options.batch ?? serialBatchOptions();
    if (batch.mode === 'lazy-parallel') {
      throw new EvalRunError(
        'Lazy parallel batch mode requires a SampleRunner system-under-test that workers can rebuild by name from their own config; a function passed in-process cannot travel through a queue. Declare the SUT in the config (sut:) and run with runOnTransport() and a queue transport, or use serial or concurrent mode.',
      );
    }
    if (batch.mode === 'concurrent') {
      return this.runOnTransport(
        name,
        () =>
          createInProcessTransport({
            runner: sut,
            timeoutSeconds: batch.timeoutSeconds,
            clock: this.clock,
          }),
        { ...options, batch },
      );
    }
    const startedAt = this.clock.nowSeconds();
    const dataset = this.getDataset(name);
    // Build (and validate) every invocation before the first SUT call, so a bad late sample
    // costs no SUT calls.
    const invocations = repeated(
      dataset.samples.map((sample) => createSampleInvocation(sample)),
      repeatOf(options),
    );
    // One controller for the run: the SUT sees it abort when the caller's signal does.
    const controller = new AbortController();
    options.signal?.addEventListener('abort', () => controller.abort(options.signal?.reason), {
      once: true,
    });
    const meter = options.budget === undefined ? undefined : new SpendMeter(options.budget);
    const pool = this.scoringPool(dataset, options, meter);
    // The SUT is called one sample at a time, in order; scoring overlaps with the next calls.
    for (const index of invocations.keys()) {
      if (meter?.exceeded === true) break;
      const answer = await callSut(
        sut,
        invocations[index] as SampleInvocation,
        controller,
        this.clock,
      );
      meter?.addAnswer(answer);
      pool.submit(index, answer);
    }
    const { results, failures } = await pool.drain();
    return this.finish(dataset, startedAt, results, failures, meter);
  }

  private scoringPool(
    dataset: GoldenDataset,
    options: RunOptions = {},
    meter?: SpendMeter,
  ): ScoringPool {
    const repeat = repeatOf(options);
    const total = dataset.samples.length * repeat;
    return new ScoringPool(
      dataset.samples,
      dataset.metrics,
      {
        raiseExceptions: this.runtime.raiseExceptions,
        limit: this.runtime.metricConcurrency,
        repeat,
        ...(meter === undefined
          ? {}
          : { onUnitScored: (result, failures) => meter.addScored(result, failures) }),
      },
      (completed, failures) => options.onSampleDone?.({ completed, total, failures }),
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
    // A repeat is one more invocation: the rate limit, the in-flight cap and checkpoints count
    // SUT calls.
    const invocations = repeated(
      dataset.samples.map((sample) => createSampleInvocation(sample)),
      repeatOf(options),
    );
    const batchId = options.batchId ?? createBatchId();
    const transport = createTransport(invocations, batchId);
    const meter = options.budget === undefined ? undefined : new SpendMeter(options.budget);
    const pool = this.scoringPool(dataset, options, meter);
    const onAbort = (): void => void transport.cancel?.(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await runProducerLoop({
        batchId,
        invocations,
        options: options.batch,
        transport,
        clock: this.clock,
        defaultWaitTimeoutSeconds:
          options.defaultWaitTimeoutSeconds ?? DEFAULT_WAIT_TIMEOUT_SECONDS,
        ...(options.progress === undefined ? {} : { reporter: options.progress }),
        ...(options.onDispatchActivity === undefined
          ? {}
          : { onActivity: options.onDispatchActivity }),
        // Scoring starts as soon as an output arrives, while other samples are still running.
        onOutput: (index, answer) => {
          meter?.addAnswer(answer);
          pool.submit(index, answer);
        },
        ...(meter === undefined ? {} : { halted: () => meter.exceeded }),
      });
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
    const { results, failures } = await pool.drain();
    return this.finish(dataset, startedAt, results, failures, meter);
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
  ): Promise<EvalReport> {
    const startedAt = this.clock.nowSeconds();
    const dataset = this.getDataset(name);
    const saved = toSavedOutputs(outputs, dataset.name);
    checkCompleteness(dataset, saved);
    const pool = this.scoringPool(dataset);
    for (const [index, sample] of dataset.samples.entries())
      pool.submit(index, saved.answer(sample.id) as SutAnswer);
    const { results, failures } = await pool.drain();
    return this.finish(dataset, startedAt, results, failures);
  }

  private finish(
    dataset: GoldenDataset,
    startedAt: number,
    results: SampleResult[],
    failures: SampleFailure[],
    meter?: SpendMeter,
  ): EvalReport {
    return createEvalReport({
      datasetName: dataset.name,
      datasetSchemaVersion: dataset.schemaVersion,
      startedAt,
      finishedAt: this.clock.nowSeconds(),
      sampleResults: results,
      failures,
      ...(meter === undefined
        ? {}
        : { budget: budgetOutcome(meter, results.length, dataset.samples.length) }),
    });
  }
}

/** One serial SUT call; a failure aborts the dataset with the wording of every other mode. */
async function callSut(
  sut: SampleRunner,
  invocation: SampleInvocation,
  controller: AbortController,
  clock: Clock,
): Promise<SutAnswer> {
  const result = await callSampleRunner(sut, invocation, {
    timeoutSeconds: null,
    clock,
    controller,
  });
  if (result.ok) return result.answer;
  throw new SutError(sutFailureMessage(invocation.id, result), { cause: result.cause });
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
  const known = new Set(dataset.samples.map((sample) => sample.id));
  const unknown = saved.ids().filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new EvalRunError(
      `Saved outputs for dataset '${dataset.name}' contain unknown sample ids: ${listIds(unknown)}.`,
    );
  }
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
function budgetOutcome(meter: SpendMeter, completed: number, total: number): BudgetOutcome {
  const halted = meter.exceeded && completed < total;
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
