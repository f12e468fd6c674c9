import {
  createLazyParallelTransport,
  openLazyParallelSession,
  startWorkerPool,
  type BatchOptions,
  type BatchProgressReporter,
  type DispatchActivity,
  type RedisTarget,
  type SutCallPolicy,
  type WorkerPool,
} from '../../batches/index.js';
import type { LoadedConfig } from '../../config/index.js';
import type { ReportSelection } from '../../datasets/index.js';
import type {
  EvalEngine,
  FinishedSample,
  GoldenDataset,
  RunOptions,
  SampleProgress,
  ScoredSample,
} from '../../engine/index.js';
import {
  evaluateScoreGates,
  summarizeReport,
  type EvalReport,
  type GatedReport,
  type ScoreGate,
} from '../../reports/index.js';
import type { ResponseCache } from '../../response-cache.js';
import type { SampleRunner, SavedOutputs } from '../../sut/index.js';
import {
  createConfigRunnerResolver,
  redisOf,
  runnerNameOf,
  scoringProviders,
  sutFingerprint,
  workerIdentities,
} from '../config-runtime.js';

/** What one dataset's run needs, all checked before its first SUT call. */
export interface PreparedDataset {
  readonly dataset: GoldenDataset;
  readonly source:
    | { readonly kind: 'outputs'; readonly outputs: SavedOutputs }
    | { readonly kind: 'sut'; readonly runner: SampleRunner };
  /** How many times each sample runs (SUT runs only). @defaultValue 1 */
  readonly repeat?: number;
  /** `--resume`: samples an earlier report already scored, kept and not run again. */
  readonly resume?: ReadonlyMap<string, ScoredSample>;
  /** The samples a selection kept, as the report records it; absent when every sample runs. */
  readonly selection?: ReportSelection;
  /** This dataset's SUT call policy, when its SUT is its own (`datasets.<name>.sut`). */
  readonly sut?: SutCallPolicy;
}

/** The resolved settings a dataset runs with; the same for every dataset of an eval set. */
export interface DatasetRunSettings {
  readonly loaded: LoadedConfig;
  /** The engine the dataset is registered on, with the config's metrics. */
  readonly engine: EvalEngine;
  readonly batch: BatchOptions;
  readonly gates: readonly ScoreGate[];
  /** Lazy-parallel: worker slots to run in this process; 0 relies on running workers. */
  readonly localWorkers: number;
  /** Lazy-parallel: the Redis to use (`--redis-url`). @defaultValue the config's `redis` */
  readonly redis?: RedisTarget;
  /** `--max-cost`: USD the run may spend (priced with the config's `costs`). */
  readonly maxCostUsd?: number;
  /** Lazy-parallel worker slots in this process use it for an http SUT. */
  readonly cache?: ResponseCache;
  /** Each SUT call's timeout and retries (`--sut-timeout`, `--sut-retries`, `sut.*`). */
  readonly sut?: SutCallPolicy;
  /** `--max-errors`: sample errors a run goes on past. @defaultValue 0 */
  readonly maxErrors?: number;
  /** Interrupts the run: it stops, and its report says `interrupted`. */
  readonly signal?: AbortSignal;
}

/** Where a run tells what it is doing; every hook is optional. */
export interface DatasetRunHooks {
  /** Checkpoint and terminal events (concurrent and lazy-parallel). */
  readonly progress?: BatchProgressReporter;
  readonly onSampleDone?: (progress: SampleProgress) => void;
  readonly onDispatchActivity?: (activity: DispatchActivity) => void;
  /** A warning for the user, e.g. no worker is connected to the queue. */
  readonly onWarning?: (message: string) => void;
  /** Each sample as it finishes, with its scores or its error. */
  readonly onSampleFinished?: (finished: FinishedSample) => void;
  /** One line per job that failed in an in-process worker slot. */
  readonly onLocalWorkerFailure?: (line: string) => void;
}

/**
 * Run one prepared dataset in the mode its batch options name — saved outputs scored in place,
 * serial or concurrent in this process, or lazy-parallel over BullMQ — and apply the score gates.
 */
export async function runDataset(
  settings: DatasetRunSettings,
  prepared: PreparedDataset,
  hooks: DatasetRunHooks = {},
): Promise<GatedReport> {
  const { engine, batch, loaded } = settings;
  const runOptions: RunOptions & { batch: BatchOptions } = {
    batch,
    ...(settings.maxCostUsd === undefined
      ? {}
      : { budget: { limitUsd: settings.maxCostUsd, prices: loaded.config.costs ?? {} } }),
    ...(prepared.repeat === undefined ? {} : { repeat: prepared.repeat }),
    defaultWaitTimeoutSeconds: loaded.batchDefaults.waitTimeoutSeconds,
    ...((prepared.sut ?? settings.sut) === undefined ? {} : { sut: prepared.sut ?? settings.sut }),
    ...(settings.maxErrors === undefined ? {} : { maxErrors: settings.maxErrors }),
    ...(settings.signal === undefined ? {} : { signal: settings.signal }),
    ...(prepared.resume === undefined ? {} : { resume: prepared.resume }),
    ...(hooks.progress === undefined ? {} : { progress: hooks.progress }),
    ...(hooks.onSampleDone === undefined ? {} : { onSampleDone: hooks.onSampleDone }),
    ...(hooks.onSampleFinished === undefined ? {} : { onSampleFinished: hooks.onSampleFinished }),
    ...(hooks.onDispatchActivity === undefined
      ? {}
      : { onDispatchActivity: hooks.onDispatchActivity }),
  };
  const name = prepared.dataset.name;
  let report: EvalReport;
  if (prepared.source.kind === 'outputs') {
    report = await engine.scoreOutputs(name, prepared.source.outputs, runOptions);
  } else if (batch.mode === 'lazy-parallel') {
    report = await runLazyParallel(settings, name, runOptions, hooks, prepared.sut);
  } else {
    report = await engine.run(name, prepared.source.runner, runOptions);
  }
  const providers = scoringProviders(loaded, prepared.dataset);
  if (Object.keys(providers).length > 0) report = { ...report, providers };
  if (prepared.selection !== undefined) report = { ...report, selection: prepared.selection };
  const summary = summarizeReport(report, { prices: loaded.config.costs ?? {} });
  return {
    report,
    summary,
    gates: settings.gates.length > 0 ? evaluateScoreGates(settings.gates, summary) : undefined,
  };
}

/**
 * A lazy-parallel run: connect (failing fast when Redis is unreachable), start the in-process
 * worker slots if asked, run the producer loop over BullMQ, and always release every connection.
 */
async function runLazyParallel(
  settings: DatasetRunSettings,
  datasetName: string,
  runOptions: RunOptions & { batch: BatchOptions },
  hooks: DatasetRunHooks,
  datasetSut: SutCallPolicy | undefined,
): Promise<EvalReport> {
  const { loaded } = settings;
  // The dataset's own SUT when it has one: jobs name it, and workers check its fingerprint.
  const fingerprint = await sutFingerprint(loaded, datasetName);
  const sut = datasetSut ?? settings.sut;
  const session = await openLazyParallelSession({
    ...redisOf(settings.redis, loaded),
    prefix: loaded.redis.prefix,
    queueName: runOptions.batch.queue,
  });
  let pool: WorkerPool | undefined;
  try {
    if (settings.localWorkers > 0) {
      pool = await startWorkerPool({
        session,
        concurrency: settings.localWorkers,
        resolveRunner: createConfigRunnerResolver(loaded, settings.cache),
        identityFor: workerIdentities(loaded),
        ...(hooks.onLocalWorkerFailure === undefined
          ? {}
          : { onFailedJob: hooks.onLocalWorkerFailure }),
      });
    }
    return await settings.engine.runOnTransport(
      datasetName,
      (invocations, batchId) =>
        createLazyParallelTransport(session, {
          batchId,
          invocations,
          runnerName: runnerNameOf(loaded, datasetName),
          options: runOptions.batch,
          resultTtlFloorSeconds: loaded.batchDefaults.resultTtlSeconds,
          defaultWaitTimeoutSeconds: loaded.batchDefaults.waitTimeoutSeconds,
          sutFingerprint: fingerprint,
          ...(sut === undefined ? {} : { sut }),
          ...(hooks.onWarning === undefined ? {} : { onWarning: hooks.onWarning }),
        }),
      runOptions,
    );
  } finally {
    await pool?.close();
    await session.close();
  }
}
