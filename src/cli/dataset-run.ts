import {
  combineReporters,
  type BatchProgressReporter,
  type ResolvedBatch,
} from '../batches/index.js';
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { EvalEngine, type GoldenDataset } from '../engine/index.js';
import { UsageError } from '../errors.js';
import type { ResponseCache } from '../response-cache.js';
import { parsePositiveIntFlag } from '../flag-values.js';
import {
  checkGateMetrics,
  parseScoreGate,
  type GatedReport,
  type ScoreGate,
} from '../reports/index.js';
import { loadSavedOutputsFile } from '../sut/index.js';
import { readBatchFlags } from './batch-flags.js';
import {
  maxCostOf,
  reportExtensionWarnings,
  responseCacheOf,
  runFlagsOf,
  type RunCommandOptions,
  type RunFlags,
} from './run-flags.js';
import { loadBaselineFlag } from './comparison-flags.js';
import type { CliIo } from './io.js';
import { checkFilePathFlags } from './path-flags.js';
import { printDryRunPlan } from './dry-run-plan.js';
import { createProgressDisplay } from './progress-display.js';
import {
  createMetricRegistry,
  loadConfigReporter,
  prepareDataset,
  registerConfigMetrics,
  planRun,
  resolveRunner,
  runDataset,
  type Baseline,
  type PreparedDataset,
} from '../app/index.js';

/** Everything a run resolves once, before its first dataset. */
export interface RunContext {
  readonly flags: RunFlags;
  readonly io: CliIo;
  readonly loaded: LoadedConfig;
  readonly engine: EvalEngine;
  readonly batch: ResolvedBatch;
  readonly gates: readonly ScoreGate[];
  readonly localWorkers: number;
  /** `--repeat`, when given. */
  readonly repeat: number | undefined;
  /** `--max-cost` in USD, when given. */
  readonly maxCostUsd: number | undefined;
  /** The response cache, unless `--no-cache`. */
  readonly cache: ResponseCache | undefined;
  /** `--baseline`, read and checked before anything runs. */
  readonly baseline: Baseline | undefined;
  /** The config's `progress.reporter`, loaded up front so a broken one stops nothing midway. */
  readonly configReporter: BatchProgressReporter | undefined;
  /**
   * Warnings about the flags, held until every input is checked: a run that then fails with
   * exit 2 prints its one error line only. `releaseWarnings` prints them.
   */
  readonly pendingWarnings: string[];
}

/** Print the warnings held so far (once): call when the checks passed and the work starts. */
export function releaseWarnings(context: RunContext): void {
  for (const warning of context.pendingWarnings.splice(0))
    context.io.stderr.write(`warning: ${warning}\n`);
}

export type { PreparedDataset } from '../app/index.js';
export type { RunCommandOptions } from './run-flags.js';

/** Check flags, load the config, resolve batch options: every error here is exit 2, nothing ran. */
export async function createRunContext(options: RunCommandOptions, io: CliIo): Promise<RunContext> {
  checkFilePathFlags([
    ['--outputs', options.outputs],
    ['--out', options.out],
    ['--junit', options.junit],
    ['--progress-file', options.progressFile],
    ['--manifest', options.manifest],
    ['--html', options.html],
    ['--baseline', options.baseline],
  ]);
  const pendingWarnings = reportExtensionWarnings(options);
  options.metric.forEach((metric, index) => {
    if (metric.trim() === '')
      throw new UsageError(
        `The --metric option value at index ${index} must be a non-empty string.`,
      );
  });
  const gates = options.failUnder.map(parseScoreGate);

  const localWorkers =
    options.localWorkers === undefined
      ? undefined
      : parsePositiveIntFlag('--local-workers', options.localWorkers);

  const repeat =
    options.repeat === undefined ? undefined : parsePositiveIntFlag('--repeat', options.repeat);
  const baseline = await loadBaselineFlag(options, io, pendingWarnings);
  const loaded = await loadConfig({ cwd: io.cwd, configPath: options.config, env: io.env });
  const cache = responseCacheOf(options, io);
  const plan = planRun(loaded, {
    batchFlags: readBatchFlags(options),
    scoresSavedOutputs: options.outputs !== undefined,
    gates,
    ...(options.sut === undefined ? {} : { sutModule: options.sut }),
    ...(localWorkers === undefined ? {} : { localWorkers }),
    ...(repeat === undefined ? {} : { repeat }),
    ...(options.redisUrl === undefined ? {} : { redisUrl: options.redisUrl }),
  });
  pendingWarnings.push(...plan.warnings);

  const engine = new EvalEngine({
    runtime: {
      raiseExceptions: loaded.runtime.raiseExceptions,
      metricConcurrency: loaded.runtime.metricConcurrency,
    },
    metrics: createMetricRegistry(loaded, cache),
  });
  await registerConfigMetrics(engine, loaded);
  const configReporter = await loadConfigReporter(loaded);
  return {
    flags: runFlagsOf(options, io),
    io,
    loaded,
    engine,
    batch: plan.batch,
    gates: plan.gates,
    localWorkers: plan.localWorkers,
    repeat: plan.repeat,
    maxCostUsd: maxCostOf(options, plan.batch),
    cache,
    baseline,
    configReporter,
    pendingWarnings,
  };
}

/**
 * Register one dataset and check everything its run needs before the first SUT call: metrics,
 * gates, the saved outputs or the SUT module. A dry run stops after this.
 */
export async function prepareDatasetRun(
  context: RunContext,
  datasetArg: string,
): Promise<PreparedDataset> {
  const { flags, io, loaded, engine } = context;
  const dataset = await prepareDataset(engine, loaded, {
    dataset: datasetArg,
    metricFlags: [...flags.metricFlags],
    cwd: io.cwd,
  });
  return prepareRegisteredDataset(context, dataset);
}

/** The checks of prepareDatasetRun for a dataset already registered on the engine. */
export async function prepareRegisteredDataset(
  context: RunContext,
  dataset: GoldenDataset,
): Promise<PreparedDataset> {
  const { flags, io, loaded, engine } = context;
  checkGateMetrics(
    context.gates,
    dataset.metrics.map((metric) => metric.name),
  );
  if (flags.outputsPath !== undefined) {
    const outputs = await loadSavedOutputsFile(flags.outputsPath);
    engine.checkSavedOutputs(dataset.name, outputs);
    return { dataset, source: { kind: 'outputs', outputs } };
  }
  // In lazy-parallel mode the producer never calls the runner; loading it still checks the
  // config's SUT module and export before any job is queued.
  return {
    dataset,
    source: {
      kind: 'sut',
      runner: await resolveRunner(loaded, flags.sutModule, io.cwd, context.cache),
    },
    repeat: context.repeat ?? loaded.config.datasets?.[dataset.name]?.repeat ?? 1,
  };
}

/** `--dry-run`: the held warnings, then the plan of the prepared datasets on stdout. */
export function printDryRun(context: RunContext, prepared: readonly PreparedDataset[]): 0 {
  releaseWarnings(context);
  printDryRunPlan(
    context.io,
    prepared.map((entry) => ({ dataset: entry.dataset, repeat: entry.repeat ?? 1 })),
    context.batch,
    context.flags.json,
    context.maxCostUsd ?? null,
  );
  return 0;
}

/** Run one prepared dataset with progress on stderr; returns the report with gates applied. */
export async function executeDatasetRun(
  context: RunContext,
  prepared: PreparedDataset,
): Promise<GatedReport> {
  const { flags, io, loaded, configReporter } = context;
  releaseWarnings(context);
  const display = await createProgressDisplay({
    io,
    enabled: flags.progress,
    progressFile: flags.progressFile,
  });
  try {
    return await runDataset(
      {
        loaded,
        engine: context.engine,
        batch: context.batch.options,
        gates: context.gates,
        localWorkers: context.localWorkers,
        ...(flags.redisUrl === undefined ? {} : { redis: flags.redisUrl }),
        ...(context.maxCostUsd === undefined ? {} : { maxCostUsd: context.maxCostUsd }),
        ...(context.cache === undefined ? {} : { cache: context.cache }),
      },
      prepared,
      {
        progress: combineReporters(
          configReporter === undefined ? [display.reporter] : [display.reporter, configReporter],
        ),
        onSampleDone: (progress) => display.onSampleDone(progress),
        onDispatchActivity: (activity) => display.onDispatchActivity(activity),
        onWarning: (message) => io.stderr.write(`warning: ${message}\n`),
        onLocalWorkerFailure: (line) => io.stderr.write(`local worker: ${line}\n`),
      },
    );
  } finally {
    display.stop();
  }
}

/** Stderr lines for failed gates and captured failures; the exit code of one dataset. */
export function reportOutcome(outcome: GatedReport, io: CliIo): 0 | 1 {
  const prefix = outcome.report.datasetName;
  for (const gate of outcome.gates ?? []) {
    if (!gate.passed) {
      const target =
        gate.aggregate === 'macro_f1' ? 'macro_f1' : `${gate.metric}:${gate.aggregate}`;
      io.stderr.write(
        `Score gate failed (${prefix}): ${target} is ${gate.actual.toFixed(4)}, below --fail-under ${gate.threshold}\n`,
      );
    }
  }
  const failures = outcome.report.failures.length;
  if (failures > 0)
    io.stderr.write(
      `${prefix}: ${failures} metric failure(s) captured; see the report's failures.\n`,
    );
  // A run its budget stopped is never green: what it did not run was not evaluated.
  const halted = outcome.report.budget?.halted === true;
  if (halted)
    io.stderr.write(
      `Budget reached (${prefix}): ${outcome.report.budget?.reason ?? 'the run was stopped'}; the report covers the samples that ran.\n`,
    );
  return halted || failures > 0 || (outcome.gates?.some((gate) => !gate.passed) ?? false) ? 1 : 0;
}
