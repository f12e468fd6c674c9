import type { RunTarget } from '../../app/index.js';
import { UsageError } from '../../errors.js';
import type { CliIo } from '../io.js';
import { runAndReport } from '../run-command.js';
import { runRequestOf, type RunCommandOptions } from '../run-flags.js';

export type { RunCommandOptions } from '../run-flags.js';

/** What `run` evaluates: the dataset argument, or `--eval-set` with its manifest flags. */
function runTargetOf(datasetArg: string | undefined, options: RunCommandOptions): RunTarget {
  if (options.evalSet !== undefined) {
    if (datasetArg !== undefined)
      throw new UsageError(`Pass either a dataset ('${datasetArg}') or --eval-set, not both.`);
    return {
      kind: 'eval-set',
      evalSet: options.evalSet,
      manifestPath: options.manifest,
      retryFailed: options.retryFailed === true,
    };
  }
  if (options.manifest !== undefined)
    throw new UsageError('--manifest requires --eval-set <name>.');
  if (options.retryFailed === true)
    throw new UsageError('--retry-failed requires --eval-set <name> and --manifest <path>.');
  if (datasetArg === undefined)
    throw new UsageError(
      'run needs a dataset: a config dataset name or a dataset file path (or --eval-set <name> for a config eval set).',
    );
  return { kind: 'dataset', dataset: datasetArg };
}

/** `eval-harness run <dataset>` or `run --eval-set <name>`: returns the exit code. */
export async function runCommand(
  datasetArg: string | undefined,
  options: RunCommandOptions,
  io: CliIo,
): Promise<number> {
  const { request, warnings } = runRequestOf(runTargetOf(datasetArg, options), options, io);
  return runAndReport(request, warnings, options, io);
}
