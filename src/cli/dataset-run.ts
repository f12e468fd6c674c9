import { resolve } from 'node:path';
import {
  INTERRUPT_GRACE_MS,
  combineReporters,
  type BatchProgressReporter,
  type ResolvedBatch,
  type SutCallPolicy,
} from '../batches/index.js';
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { EvalEngine, type GoldenDataset } from '../engine/index.js';
import { EXIT_CODES, UsageError } from '../errors.js';
import type { ResponseCache } from '../response-cache.js';
import { parseCountFlag, parsePositiveIntFlag, parseSecondsFlag } from '../flag-values.js';
import {
  checkGateMetrics,
  parseScoreGate,
  runOutcomeLine,
  scoreGateFailureLines,
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
import { interruptedExitCode, listenForInterrupt, type CliIo } from './io.js';
import { checkFilePathFlags } from './path-flags.js';
import { printDryRunPlan } from './dry-run-plan.js';
import { createProgressDisplay } from './progress-display.js';
import {
  createMetricRegistry,
  keptSamples,
  loadConfigReporter,
  prepareDataset,
  readResumeReport,
  registerConfigMetrics,
  planRun,
  resolveRunner,
  runDataset,
  sutCallPolicy,
  type Baseline,
  type PreparedDataset,
  type ResumeSource,
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
  /** Each SUT call's timeout and retries. */
  readonly sut: SutCallPolicy;
  /** `--sut`, `--sut-timeout` and `--sut-retries`, for a dataset with a SUT of its own. */
  readonly sutFlags: {
    readonly sutModule?: string | undefined;
    readonly timeoutSeconds?: number | undefined;
    readonly retries?: number | undefined;
  };
  /** `--max-errors` (0: stop at the first sample error). */
  readonly maxErrors: number;
  /** `--resume`: the report whose scored samples this run keeps. */
  readonly resume: ResumeSource | undefined;
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
    ['--csv', options.csv],
    ['--progress-file', options.progressFile],
    ['--manifest', options.manifest],
    ['--html', options.html],
    ['--baseline', options.baseline],
    ['--resume', options.resume],
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
  const sutTimeoutSeconds =
    options.sutTimeout === undefined
      ? undefined
      : parseSecondsFlag('--sut-timeout', options.sutTimeout);
  const sutRetries =
    options.sutRetries === undefined
      ? undefined
      : parseCountFlag('--sut-retries', options.sutRetries, 20);
  const maxErrors =
    options.maxErrors === undefined
      ? undefined
      : parseCountFlag('--max-errors', options.maxErrors, Number.MAX_SAFE_INTEGER);
  if (options.resume !== undefined && options.outputs !== undefined)
    throw new UsageError(
      '--resume runs the samples a report left unscored through the SUT, but --outputs scores saved answers; drop one of them.',
    );
  const resume =
    options.resume === undefined
      ? undefined
      : await readResumeReport(resolve(io.cwd, options.resume), options.resume);
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
    ...(sutTimeoutSeconds === undefined ? {} : { sutTimeoutSeconds }),
    ...(sutRetries === undefined ? {} : { sutRetries }),
    ...(maxErrors === undefined ? {} : { maxErrors }),
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
    sut: plan.sut,
    sutFlags: { sutModule: options.sut, timeoutSeconds: sutTimeoutSeconds, retries: sutRetries },
    maxErrors: plan.maxErrors,
    resume,
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
  const repeat = context.repeat ?? loaded.config.datasets?.[dataset.name]?.repeat ?? 1;
  // In lazy-parallel mode the producer never calls the runner; loading it still checks the
  // config's SUT module and export before any job is queued.
  return {
    dataset,
    source: {
      kind: 'sut',
      runner: await resolveRunner(loaded, flags.sutModule, io.cwd, context.cache, dataset.name),
    },
    repeat,
    // A dataset with its own SUT has its own call policy (the flags still win).
    ...(flags.sutModule === undefined && loaded.config.datasets?.[dataset.name]?.sut !== undefined
      ? { sut: sutCallPolicy(loaded, context.sutFlags, dataset.name) }
      : {}),
    ...(context.resume === undefined
      ? {}
      : { resume: keptSamples(context.resume, dataset, repeat) }),
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
  return EXIT_CODES.ok;
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
  // A listener makes the first Ctrl-C the run's to handle (a second one exits at once).
  const stopNotice = listenForInterrupt(io, () =>
    display.log(
      `${String(io.interrupt?.reason ?? 'interrupt')} received: stopping; samples in flight get up to ${INTERRUPT_GRACE_MS / 1000} s to finish, then the report is written (press Ctrl-C again to exit at once).`,
    ),
  );
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
        sut: context.sut,
        maxErrors: context.maxErrors,
        ...(io.interrupt === undefined ? {} : { signal: io.interrupt }),
      },
      prepared,
      {
        progress: combineReporters(
          configReporter === undefined ? [display.reporter] : [display.reporter, configReporter],
        ),
        onSampleDone: (progress) => display.onSampleDone(progress),
        onDispatchActivity: (activity) => display.onDispatchActivity(activity),
        onWarning: (message) => display.log(`warning: ${message}`),
        onLocalWorkerFailure: (line) => display.log(`local worker: ${line}`),
      },
    );
  } finally {
    stopNotice();
    display.stop();
  }
}

/** Sample errors named one per line on stderr; the report lists them all. */
const MAX_ERROR_LINES = 5;

/**
 * Stderr lines for failed gates, captured failures, sample errors and a run that stopped early;
 * the exit code of one dataset: 3 when it stopped on an error, 130 / 143 when interrupted, 1
 * when anything failed (a gate, a metric, a sample the SUT could not answer, a budget stop),
 * else 0. `reportAt` says where the report went, for the lines of a stopped run.
 */
export function reportOutcome(outcome: GatedReport, io: CliIo, reportAt = 'the report'): number {
  const { report } = outcome;
  const prefix = report.datasetName;
  for (const line of scoreGateFailureLines(prefix, outcome.gates)) io.stderr.write(`${line}\n`);
  const failures = report.failures.length;
  if (failures > 0)
    io.stderr.write(
      `${prefix}: ${failures} metric failure(s) captured; see the report's failures.\n`,
    );
  for (const error of report.sampleErrors.slice(0, MAX_ERROR_LINES)) {
    io.stderr.write(`${prefix}: sample error: ${error.error}\n`);
    if (io.debug === true && error.cause !== undefined)
      io.stderr.write(`Caused by: ${stackOf(error.cause)}\n`);
  }
  if (report.sampleErrors.length > MAX_ERROR_LINES)
    io.stderr.write(
      `${prefix}: … and ${report.sampleErrors.length - MAX_ERROR_LINES} more sample error(s); see the report's sample_errors.\n`,
    );
  const cached = outcome.summary.usage.cached_calls ?? 0;
  if (cached > 0)
    io.stderr.write(
      `note: ${prefix}: ${cached} answer(s) or score(s) came from the response cache; pass --no-cache to call everything afresh.\n`,
    );
  const failed =
    failures > 0 ||
    report.sampleErrors.length > 0 ||
    (outcome.gates?.some((gate) => !gate.passed) ?? false);
  switch (report.status) {
    case 'budget-halted':
      // A run its budget stopped is never green: what it did not run was not evaluated.
      io.stderr.write(
        `Budget reached (${prefix}): ${report.budget?.reason ?? 'the run was stopped'}; the report covers the samples that ran.\n`,
      );
      return EXIT_CODES.evaluationFailed;
    case 'interrupted':
      io.stderr.write(
        `${prefix}: ${runOutcomeLine(report)} The partial report is in ${reportAt}; rerun with --resume <report.json> (a report written with --json) to finish it.\n`,
      );
      return io.interrupt === undefined ? 130 : interruptedExitCode(io.interrupt);
    case 'stopped-on-error':
      io.stderr.write(
        `error: ${prefix}: ${runOutcomeLine(report)} ${capitalize(report.stopReason ?? 'it stopped')}${/[.!?]$/.test(report.stopReason ?? '') ? '' : '.'} The report in ${reportAt} covers every sample; --max-errors <n> goes on past sample errors, --resume <report.json> runs the rest.\n`,
      );
      return EXIT_CODES.runtimeFailure;
    default:
      return failed ? EXIT_CODES.evaluationFailed : EXIT_CODES.ok;
  }
}

function stackOf(cause: unknown): string {
  return cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
