import { resolve } from 'node:path';
import {
  configEvalSet,
  createManifestWriter,
  readEvalSetManifest,
  runEvalSetWithManifest,
  type EvalSetOutcome,
} from '../app/index.js';
import { systemClock } from '../clock.js';
import { EXIT_CODES, UsageError } from '../errors.js';
import { withFileLock } from '../file-lock.js';
import { renderEvalSetJson, renderEvalSetMarkdown } from '../eval-sets/index.js';
import {
  createRunContext,
  executeDatasetRun,
  printDryRun,
  prepareDatasetRun,
  reportOutcome,
  type PreparedDataset,
  type RunCommandOptions,
} from './dataset-run.js';
import { listenForInterrupt, type CliIo } from './io.js';
import { checkRunBaseline, datasetFilesOf, writeRunOutputs } from './run-outputs.js';

/** How long a run waits for another run that holds the same eval-set manifest. */
const MANIFEST_LOCK_WAIT_MS = 30_000;

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
  const definition = configEvalSet(context.loaded, setName);
  const manifestPath =
    options.manifest === undefined ? undefined : resolve(io.cwd, options.manifest);
  const loadManifest = async () => {
    const found = manifestPath === undefined ? undefined : await readEvalSetManifest(manifestPath);
    found?.assertMatches(definition);
    return found !== undefined && options.retryFailed === true
      ? found.resetFailed(systemClock.nowSeconds())
      : found;
  };

  // Every dataset of the set is checked before the first one runs, so a broken file at the end
  // of the set is one exit 2 up front, not a failure after the others have run for an hour.
  await loadManifest();
  const prepared = new Map<string, PreparedDataset>();
  for (const name of definition.datasetNames)
    prepared.set(name, await prepareDatasetRun(context, name));
  checkRunBaseline(context.baseline, [...prepared.values()], setName);
  if (options.dryRun === true) {
    return printDryRun(context, [...prepared.values()]);
  }

  const execute = async () => {
    const manifest = await loadManifest();
    const writer = createManifestWriter(manifestPath);
    // An interrupt is the running dataset's to handle: it stops, keeps its partial report,
    // stays `running` in the manifest, and the set stops after it. Between two datasets this
    // listener keeps the first Ctrl-C from ending the process in the middle of a manifest write.
    const stopListening = listenForInterrupt(io, () => undefined);
    try {
      return await runEvalSetWithManifest({
        definition,
        ...(manifest === undefined ? {} : { manifest }),
        writer,
        clock: systemClock,
        runOne: (name) => executeDatasetRun(context, prepared.get(name) as PreparedDataset),
      });
    } finally {
      stopListening();
    }
  };
  // Two runs with one manifest would overwrite each other's progress: the second waits.
  const finished =
    manifestPath === undefined
      ? await execute()
      : await withFileLock(
          manifestPath,
          { what: 'eval-set manifest (--manifest)', waitMs: MANIFEST_LOCK_WAIT_MS },
          execute,
        );
  const ran: EvalSetOutcome = finished;

  const { result, outcomes: passOutcomes } = ran;
  const comparisonGates = await writeRunOutputs(options, io, context.baseline, {
    title: `Eval set report — ${setName}`,
    outcomes: passOutcomes,
    evalSet: setName,
    render: (comparison) => [
      options.json === true
        ? renderEvalSetJson(result, passOutcomes, comparison)
        : renderEvalSetMarkdown(result, passOutcomes, comparison, context.flags.maxRows),
    ],
    junitReports: result.reports,
    ...datasetFilesOf([...prepared.values()]),
  });
  let exitCode: number = Math.max(
    comparisonGates,
    ...passOutcomes.map((outcome) => reportOutcome(outcome, io, options.out ?? 'stdout')),
  );
  if (result.interrupted)
    io.stderr.write(
      `Eval set '${setName}' interrupted: ${manifestPath === undefined ? 'no --manifest was given, so the set will start over next time' : `rerun with --manifest ${options.manifest} to resume`}.\n`,
    );
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
