import { resolve } from 'node:path';
import {
  CONFIG_SUT_RUNNER,
  DEFAULT_QUEUE_NAME,
  checkQueueName,
  combineReporters,
  createLazyParallelTransport,
  openLazyParallelSession,
  providedBatchFlags,
  startWorkerPool,
  type BatchOptions,
  type WorkerPool,
  resolveBatchOptions,
  serialBatchOptions,
  type ResolvedBatch,
} from '../../batches/index.js';
import { loadConfig, type LoadedConfig } from '../../config/index.js';
import { EvalEngine, type RunOptions, type SampleProgress } from '../../engine/index.js';
import { UsageError } from '../../errors.js';
import {
  checkGateMetrics,
  evaluateScoreGates,
  parseScoreGate,
  renderJsonReportChunks,
  renderJunitReport,
  renderMarkdownReport,
  summarizeReport,
  type EvalReport,
  type ScoreGateResult,
} from '../../reports/index.js';
import { loadSavedOutputsFile } from '../../sut/index.js';
import { readBatchFlags } from '../batch-flags.js';
import { buildDryRunPlan, renderDryRunPlan } from '../dry-run-plan.js';
import type { CliIo } from '../io.js';
import { createProgressDisplay } from '../progress-display.js';
import {
  createConfigRunnerResolver,
  loadConfigReporter,
  prepareDataset,
  registerConfigMetrics,
  resolveRunner,
} from '../run-setup.js';
import { writeChunks, writeFileAtomically } from '../write-file.js';

/** Options of `eval-harness run`, as commander parses them. */
export interface RunCommandOptions {
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
  redisUrl?: string;
  /** False with --no-progress. */
  progress?: boolean;
  /** Batch flags, read through readBatchFlags(). */
  [batchFlag: string]: unknown;
}

/** `eval-harness run <dataset>`: returns the exit code (design.md §3). */
export async function runCommand(
  datasetArg: string,
  options: RunCommandOptions,
  io: CliIo,
): Promise<number> {
  if (options.outputs !== undefined && options.outputs.trim() === '') {
    throw new UsageError('The --outputs option requires a non-empty file path.');
  }
  for (const [flag, value] of [
    ['--out', options.out],
    ['--junit', options.junit],
  ] as const) {
    if (value !== undefined && value.trim() === '')
      throw new UsageError(`The ${flag} option requires a non-empty file path.`);
  }
  options.metric.forEach((metric, index) => {
    if (metric.trim() === '')
      throw new UsageError(
        `The --metric option value at index ${index} must be a non-empty string.`,
      );
  });
  const gates = options.failUnder.map(parseScoreGate);

  const loaded = await loadConfig({ cwd: io.cwd, configPath: options.config, env: io.env });
  const batchFlags = readBatchFlags(options);
  let batch: ResolvedBatch;
  if (options.outputs !== undefined) {
    // Saved outputs are scored in place: batch flags are neither validated nor used (spec/batch.md §3.2).
    const ignored = providedBatchFlags(batchFlags);
    if (ignored.length > 0) {
      io.stderr.write(
        `warning: Ignoring batch flags ${ignored.map((flag) => `--${flag}`).join(', ')}: --outputs is set, and scoring saved outputs bypasses batch dispatch.\n`,
      );
    }
    batch = { options: serialBatchOptions(), profile: null };
  } else {
    batch = resolveBatchOptions(batchFlags, loaded.profiles);
  }
  const lazy = batch.options.mode === 'lazy-parallel';
  const localWorkers =
    options.localWorkers === undefined ? 0 : parseLocalWorkers(options.localWorkers);
  for (const [flag, given] of [
    ['--local-workers', options.localWorkers !== undefined],
    ['--redis-url', options.redisUrl !== undefined],
  ] as const) {
    if (given && !lazy && options.outputs === undefined) {
      throw new UsageError(
        `${flag} requires --batch=lazy-parallel (or a --batch-profile in lazy-parallel mode, such as ci or nightly).`,
      );
    }
  }
  if (lazy) {
    if (options.sut !== undefined) {
      throw new UsageError(
        '--sut runs in-process only: lazy-parallel workers build the system under test from their own config, so declare it there (sut: { type: module, path }) and drop --sut.',
      );
    }
    if (loaded.config.sut === undefined) {
      throw new UsageError(
        'Lazy-parallel runs need the system under test in the config (sut: { type: module, path }), so that workers can build the same runner from their own config.',
      );
    }
    checkQueueName(batch.options.queue ?? DEFAULT_QUEUE_NAME);
    if (options.redisUrl !== undefined && options.redisUrl.trim() === '')
      throw new UsageError('The --redis-url option requires a non-empty URL.');
    const requestedTtl = batch.options.resultTtlSeconds;
    if (requestedTtl !== null && requestedTtl < loaded.batchDefaults.resultTtlSeconds) {
      io.stderr.write(
        `warning: result TTL ${requestedTtl} s is below the configured floor of ${loaded.batchDefaults.resultTtlSeconds} s (batches.lazyParallel.resultTtlSeconds); results are kept for at least the floor.\n`,
      );
    }
  }

  const engine = new EvalEngine({ runtime: { raiseExceptions: loaded.runtime.raiseExceptions } });
  await registerConfigMetrics(engine, loaded);
  const dataset = await prepareDataset(engine, loaded, {
    dataset: datasetArg,
    metricFlags: options.metric,
    cwd: io.cwd,
  });
  checkGateMetrics(
    gates,
    dataset.metrics.map((metric) => metric.name),
  );

  // Everything a real run checks before its first SUT call is checked before a dry run returns.
  const source =
    options.outputs !== undefined
      ? ({
          kind: 'outputs',
          outputs: await loadSavedOutputsFile(resolve(io.cwd, options.outputs)),
        } as const)
      : ({ kind: 'sut', runner: await resolveRunner(loaded, options.sut, io.cwd) } as const);
  // (In lazy-parallel mode the producer never calls the runner; loading it checks the config's
  // sut module and export before any job is queued.)
  if (source.kind === 'outputs') engine.checkSavedOutputs(dataset.name, source.outputs);

  if (options.dryRun === true) {
    const plan = buildDryRunPlan([dataset], batch);
    io.stdout.write(
      options.json === true ? `${JSON.stringify(plan, null, 4)}\n` : renderDryRunPlan(plan),
    );
    return 0;
  }

  const configReporter = await loadConfigReporter(loaded);
  const display = await createProgressDisplay({
    io,
    enabled: options.progress !== false,
    progressFile:
      options.progressFile === undefined ? undefined : resolve(io.cwd, options.progressFile),
  });
  const runOptions = {
    batch: batch.options,
    progress: combineReporters(
      configReporter === undefined ? [display.reporter] : [display.reporter, configReporter],
    ),
    onSampleDone: (progress: SampleProgress) => display.onSampleDone(progress),
    defaultWaitTimeoutSeconds: loaded.batchDefaults.waitTimeoutSeconds,
  };
  let report: EvalReport;
  try {
    if (source.kind === 'outputs') {
      report = await engine.scoreOutputs(dataset.name, source.outputs);
    } else if (lazy) {
      report = await runLazyParallel(engine, dataset.name, {
        loaded,
        redisUrl: options.redisUrl ?? loaded.redis.url,
        localWorkers,
        runOptions,
        io,
      });
    } else {
      report = await engine.run(dataset.name, source.runner, runOptions);
    }
  } finally {
    display.stop();
  }

  const summary = summarizeReport(report);
  const gateResults: ScoreGateResult[] | undefined =
    gates.length > 0 ? evaluateScoreGates(gates, summary) : undefined;
  const extras = gateResults === undefined ? {} : { gates: gateResults };
  // Rendering checks the whole report before the first chunk, so an encoding failure leaves no
  // file behind and prints nothing.
  const render = (): Iterable<string> =>
    options.json === true
      ? renderJsonReportChunks(report, summary, extras)
      : [renderMarkdownReport(report, summary, extras)];
  const junit = options.junit !== undefined ? renderJunitReport(report) : undefined;

  await emitReport(render, options, io);
  if (junit !== undefined && options.junit !== undefined) {
    const path = resolve(io.cwd, options.junit);
    const bytes = await writeFileAtomically(path, [junit], 'JUnit report');
    io.stderr.write(`Wrote ${bytes} bytes of JUnit XML to ${path}\n`);
  }

  for (const gate of gateResults ?? []) {
    if (!gate.passed) {
      const target =
        gate.aggregate === 'macro_f1' ? 'macro_f1' : `${gate.metric}:${gate.aggregate}`;
      io.stderr.write(
        `Score gate failed: ${target} is ${gate.actual.toFixed(4)}, below --fail-under ${gate.threshold}\n`,
      );
    }
  }
  if (report.failures.length > 0) {
    io.stderr.write(
      `${report.failures.length} metric failure(s) captured; see the report's failures.\n`,
    );
  }
  const gateFailed = gateResults?.some((gate) => !gate.passed) ?? false;
  return report.failures.length > 0 || gateFailed ? 1 : 0;
}

/**
 * Report to `--out` or stdout. If the file cannot be written, the report still goes to stdout
 * before the error is raised, so a long run's results are never lost.
 */
async function emitReport(
  render: () => Iterable<string>,
  options: RunCommandOptions,
  io: CliIo,
): Promise<void> {
  if (options.out === undefined) {
    await writeChunks(io.stdout, withNewline(render()));
    return;
  }
  const path = resolve(io.cwd, options.out);
  try {
    const bytes = await writeFileAtomically(path, render(), 'report');
    io.stderr.write(`Wrote ${bytes} bytes to ${path}\n`);
  } catch (error) {
    await writeChunks(io.stdout, withNewline(render()));
    throw error;
  }
}

/** On stdout the report is followed by a newline; files hold the payload alone. */
function* withNewline(chunks: Iterable<string>): Iterable<string> {
  yield* chunks;
  yield '\n';
}

function parseLocalWorkers(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1)
    throw new UsageError('The --local-workers option must be a positive integer.');
  return Number(value);
}

/**
 * A lazy-parallel run: connect (failing fast when Redis is unreachable), start the in-process
 * worker slots if asked, run the producer loop over BullMQ, and always release every connection.
 */
async function runLazyParallel(
  engine: EvalEngine,
  datasetName: string,
  context: {
    loaded: LoadedConfig;
    redisUrl: string;
    localWorkers: number;
    runOptions: RunOptions & { batch: BatchOptions };
    io: CliIo;
  },
): Promise<EvalReport> {
  const { loaded, io, runOptions } = context;
  const session = await openLazyParallelSession({
    redisUrl: context.redisUrl,
    prefix: loaded.redis.prefix,
    queueName: runOptions.batch.queue,
  });
  let pool: WorkerPool | undefined;
  try {
    if (context.localWorkers > 0) {
      pool = await startWorkerPool({
        session,
        concurrency: context.localWorkers,
        resolveRunner: createConfigRunnerResolver(loaded),
        onFailedJob: (line) => io.stderr.write(`local worker: ${line}\n`),
      });
    }
    return await engine.runOnTransport(
      datasetName,
      (invocations, batchId) =>
        createLazyParallelTransport(session, {
          batchId,
          invocations,
          runnerName: CONFIG_SUT_RUNNER,
          options: runOptions.batch,
          resultTtlFloorSeconds: loaded.batchDefaults.resultTtlSeconds,
          defaultWaitTimeoutSeconds: loaded.batchDefaults.waitTimeoutSeconds,
          onWarning: (message) => io.stderr.write(`warning: ${message}\n`),
        }),
      runOptions,
    );
  } finally {
    await pool?.close();
    await session.close();
  }
}
