import { resolve } from 'node:path';
import {
  combineReporters,
  type BatchProgressReporter,
  type ResolvedBatch,
} from '../batches/index.js';
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { EvalEngine, type GoldenDataset } from '../engine/index.js';
import { UsageError } from '../errors.js';
import { DEFAULT_CACHE_DIR, createDiskCache, type ResponseCache } from '../response-cache.js';
import { parsePositiveIntFlag } from '../flag-values.js';
import {
  checkGateMetrics,
  parseScoreGate,
  type GatedReport,
  type ScoreGate,
} from '../reports/index.js';
import { loadSavedOutputsFile } from '../sut/index.js';
import { readBatchFlags, type BatchFlagOptions } from './batch-flags.js';
import { loadBaselineFlag, type ComparisonFlagOptions } from './comparison-flags.js';
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

/** Options of `eval-harness run`, as commander parses them. */
export interface RunCommandOptions extends BatchFlagOptions, ComparisonFlagOptions {
  config?: string;
  sut?: string;
  metric: string[];
  outputs?: string;
  json?: boolean;
  markdown?: boolean;
  out?: string;
  junit?: string;
  failUnder: string[];
  dryRun?: boolean;
  progressFile?: string;
  localWorkers?: string;
  repeat?: string;
  maxCost?: string;
  redisUrl?: string;
  evalSet?: string;
  manifest?: string;
  retryFailed?: boolean;
  /** False with --no-progress. */
  progress?: boolean;
  cacheDir?: string;
  /** False with --no-cache. */
  cache?: boolean;
}

/** Everything a run resolves once, before its first dataset. */
export interface RunContext {
  readonly options: RunCommandOptions;
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
    options,
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
 * The report's format comes from --json, never from the --out file name; say so before a long
 * run when the name suggests the other format.
 */
function reportExtensionWarnings(options: RunCommandOptions): string[] {
  const out = options.out?.toLowerCase();
  if (out === undefined) return [];
  if (out.endsWith('.json') && options.json !== true)
    return [
      `--out ${options.out} ends in .json, but the report will be Markdown; add --json to write JSON.`,
    ];
  if ((out.endsWith('.md') || out.endsWith('.markdown')) && options.json === true)
    return [
      `--out ${options.out} is named as Markdown, but --json writes a JSON report; drop --json to write Markdown.`,
    ];
  return [];
}

/**
 * Register one dataset and check everything its run needs before the first SUT call: metrics,
 * gates, the saved outputs or the SUT module. A dry run stops after this.
 */
export async function prepareDatasetRun(
  context: RunContext,
  datasetArg: string,
): Promise<PreparedDataset> {
  const { options, io, loaded, engine } = context;
  const dataset = await prepareDataset(engine, loaded, {
    dataset: datasetArg,
    metricFlags: options.metric,
    cwd: io.cwd,
  });
  return prepareRegisteredDataset(context, dataset);
}

/** The checks of prepareDatasetRun for a dataset already registered on the engine. */
export async function prepareRegisteredDataset(
  context: RunContext,
  dataset: GoldenDataset,
): Promise<PreparedDataset> {
  const { options, io, loaded, engine } = context;
  checkGateMetrics(
    context.gates,
    dataset.metrics.map((metric) => metric.name),
  );
  if (options.outputs !== undefined) {
    const outputs = await loadSavedOutputsFile(resolve(io.cwd, options.outputs));
    engine.checkSavedOutputs(dataset.name, outputs);
    return { dataset, source: { kind: 'outputs', outputs } };
  }
  // In lazy-parallel mode the producer never calls the runner; loading it still checks the
  // config's SUT module and export before any job is queued.
  return {
    dataset,
    source: {
      kind: 'sut',
      runner: await resolveRunner(loaded, options.sut, io.cwd, context.cache),
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
    context.options.json === true,
    context.maxCostUsd ?? null,
  );
  return 0;
}

/** Run one prepared dataset with progress on stderr; returns the report with gates applied. */
export async function executeDatasetRun(
  context: RunContext,
  prepared: PreparedDataset,
): Promise<GatedReport> {
  const { options, io, loaded, configReporter } = context;
  releaseWarnings(context);
  const display = await createProgressDisplay({
    io,
    enabled: options.progress !== false,
    progressFile:
      options.progressFile === undefined ? undefined : resolve(io.cwd, options.progressFile),
  });
  try {
    return await runDataset(
      {
        loaded,
        engine: context.engine,
        batch: context.batch.options,
        gates: context.gates,
        localWorkers: context.localWorkers,
        ...(options.redisUrl === undefined ? {} : { redis: options.redisUrl }),
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

/**
 * The run's budget: `--max-cost` (a positive amount of USD, or `none` to clear a profile's),
 * else the profile's `maxCostUsd`. Saved outputs (`--outputs`) call no SUT, so they have none.
 */
function maxCostOf(options: RunCommandOptions, batch: ResolvedBatch): number | undefined {
  const text = options.maxCost;
  if (text === undefined)
    return options.outputs === undefined ? (batch.profile?.maxCostUsd ?? undefined) : undefined;
  if (/^(none|null)$/i.test(text.trim())) return undefined;
  const usd = Number(text);
  if (text.trim() === '' || !Number.isFinite(usd) || usd <= 0)
    throw new UsageError(
      `The --max-cost option must be a positive amount of USD, such as 2.50 (or none); got '${text}'.`,
    );
  if (options.outputs !== undefined)
    throw new UsageError(
      '--max-cost stops a run that calls the SUT; with --outputs nothing is dispatched, so drop one of them.',
    );
  return usd;
}

/** The response cache of a run or worker: `--cache-dir` (cwd-relative), unless `--no-cache`. */
export function responseCacheOf(
  options: { readonly cache?: boolean; readonly cacheDir?: string },
  io: CliIo,
): ResponseCache | undefined {
  const dir = cacheDirOf(options.cacheDir, io);
  return options.cache === false ? undefined : createDiskCache(dir);
}

/** The cache folder: `--cache-dir` (cwd-relative), else the default. */
export function cacheDirOf(cacheDir: string | undefined, io: CliIo): string {
  if (cacheDir !== undefined && cacheDir.trim() === '')
    throw new UsageError('The --cache-dir option requires a non-empty folder path.');
  return resolve(io.cwd, cacheDir ?? DEFAULT_CACHE_DIR);
}
