import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { systemClock } from '../clock.js';
import {
  EvalSetManifest,
  createEvalSet,
  runEvalSet,
  type EvalSetRunResult,
  type GoldenDataset,
} from '../engine/index.js';
import { ConfigError, EXIT_CODES, UsageError, errorMessage } from '../errors.js';
import { renderEvalSetJson, renderEvalSetMarkdown } from '../reports/index.js';
import { emitReport, writeJunit } from './emit-report.js';
import {
  createRunContext,
  executeDatasetRun,
  prepareDatasetRun,
  reportOutcome,
  type DatasetOutcome,
  type RunCommandOptions,
} from './dataset-run.js';
import { buildDryRunPlan, renderDryRunPlan } from './dry-run-plan.js';
import { interruptedExitCode, type CliIo } from './io.js';
import { writeFileAtomically } from '../atomic-write.js';

/**
 * `eval-harness run --eval-set <name> [--manifest <path>] [--retry-failed]`: the datasets of a
 * config eval set in order, resumable through a manifest written atomically after every state
 * change.
 */
export async function runEvalSetCommand(
  setName: string,
  options: RunCommandOptions,
  io: CliIo,
): Promise<number> {
  if (options.retryFailed === true && options.manifest === undefined)
    throw new UsageError('--retry-failed requires --manifest <path>.');
  if (options.outputs !== undefined)
    throw new UsageError('--outputs scores one dataset; it cannot be combined with --eval-set.');
  const context = await createRunContext(options, io);
  const sets = context.loaded.config.evalSets ?? {};
  const datasets = sets[setName];
  if (datasets === undefined) {
    const known = Object.keys(sets);
    throw new UsageError(
      `Eval set '${setName}' is not defined in ${context.loaded.path ?? 'the config'}${known.length > 0 ? `; eval sets: ${known.join(', ')}` : '; add it under evalSets: { <name>: [datasets] }'}.`,
    );
  }
  const definition = createEvalSet(setName, datasets);
  const manifestPath =
    options.manifest === undefined ? undefined : resolve(io.cwd, options.manifest);
  let manifest = manifestPath === undefined ? undefined : await readManifest(manifestPath);
  manifest?.assertMatches(definition);
  if (manifest !== undefined && options.retryFailed === true)
    manifest = manifest.resetFailed(systemClock.nowSeconds());

  if (options.dryRun === true) {
    const prepared: GoldenDataset[] = [];
    for (const name of definition.datasetNames)
      prepared.push((await prepareDatasetRun(context, name)).dataset);
    const plan = buildDryRunPlan(prepared, context.batch);
    io.stdout.write(
      options.json === true ? `${JSON.stringify(plan, null, 4)}\n` : renderDryRunPlan(plan),
    );
    return 0;
  }

  // Manifest writes are chained, so they land in order and a signal can wait for the last one.
  let writing: Promise<unknown> = Promise.resolve();
  const persist = async (next: EvalSetManifest): Promise<void> => {
    if (manifestPath === undefined) return;
    writing = writing.then(() =>
      writeFileAtomically(
        manifestPath,
        [`${JSON.stringify(next.toJson(), null, 2)}\n`],
        'eval-set manifest',
      ),
    );
    await writing;
  };
  // Interrupted: the running dataset is already `running` in the manifest, so the next run with
  // the same manifest runs it again. Stop once the last manifest write has landed.
  const finished = new AbortController();
  const interrupted = new Promise<number>((resolveExit) => {
    const interrupt = io.interrupt;
    interrupt?.addEventListener(
      'abort',
      () => {
        io.stderr.write(
          `${String(interrupt.reason)} received: stopping; ${manifestPath === undefined ? 'no --manifest was given, so the set will start over next time' : `rerun with --manifest ${options.manifest} to resume`}.\n`,
        );
        void writing.finally(() => resolveExit(interruptedExitCode(interrupt)));
      },
      { once: true, signal: finished.signal },
    );
  });

  const outcomes = new Map<string, DatasetOutcome>();
  const running = runEvalSet({
    definition,
    ...(manifest === undefined ? {} : { manifest }),
    clock: systemClock,
    onManifest: persist,
    runDataset: async (name) => {
      const prepared = await prepareDatasetRun(context, name);
      const outcome = await executeDatasetRun(context, prepared);
      outcomes.set(name, outcome);
      return outcome.report;
    },
  }).then(async (done) => {
    await writing;
    return done;
  });
  // After an interrupt the run is abandoned; whatever it does next must not surface.
  running.catch(() => undefined);
  let result: EvalSetRunResult;
  try {
    const first = await Promise.race([
      running.then((done) => ({ done })),
      interrupted.then((exitCode) => ({ exitCode })),
    ]);
    if ('exitCode' in first) return first.exitCode;
    result = first.done;
  } finally {
    finished.abort();
  }

  const passOutcomes = result.reports.map(
    (report) => outcomes.get(report.datasetName) as DatasetOutcome,
  );
  await emitReport(
    () => [
      options.json === true
        ? renderEvalSetJson(result, passOutcomes)
        : renderEvalSetMarkdown(result, passOutcomes),
    ],
    options,
    io,
  );
  if (options.junit !== undefined) await writeJunit(result.reports, options.junit, io);

  let exitCode: number = Math.max(0, ...passOutcomes.map((outcome) => reportOutcome(outcome, io)));
  if (result.stoppedBy !== null) {
    const { dataset, error, previously } = result.stoppedBy;
    const retry =
      options.manifest === undefined
        ? ''
        : ` Fix it, then run again with --manifest ${options.manifest} --retry-failed to retry it.`;
    io.stderr.write(
      `error: eval set '${setName}' stopped at dataset '${dataset}' (${previously ? 'failed in an earlier run' : 'failed'}): ${error.replace(/\.$/, '')}.${retry}\n`,
    );
    // A dataset that failed to run (now or in an earlier run) is a runtime failure.
    exitCode = EXIT_CODES.runtimeFailure;
  }
  return exitCode;
}

async function readManifest(path: string): Promise<EvalSetManifest | undefined> {
  if (!(await stat(path).catch(() => undefined))?.isFile()) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      `Eval set manifest ${path} (--manifest) is not valid JSON: ${errorMessage(error)}. Fix or delete it.`,
      { cause: error },
    );
  }
  try {
    return EvalSetManifest.fromJson(json);
  } catch (error) {
    throw new ConfigError(
      `Eval set manifest ${path} (--manifest) is invalid: ${errorMessage(error)}`,
      { cause: error },
    );
  }
}
