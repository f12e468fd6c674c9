import { UsageError } from '../../errors.js';
import { renderJsonReportChunks, renderMarkdownReport } from '../../reports/index.js';
import {
  createRunContext,
  executeDatasetRun,
  printDryRun,
  prepareDatasetRun,
  reportOutcome,
  type RunCommandOptions,
} from '../dataset-run.js';
import type { CliIo } from '../io.js';
import { checkRunBaseline, datasetFilesOf, writeRunOutputs } from '../run-outputs.js';

export type { RunCommandOptions } from '../dataset-run.js';

/** `eval-harness run <dataset>` or `run --eval-set <name>`: returns the exit code. */
export async function runCommand(
  datasetArg: string | undefined,
  options: RunCommandOptions,
  io: CliIo,
): Promise<number> {
  if (options.evalSet !== undefined) {
    if (options.resume !== undefined)
      throw new UsageError(
        '--resume finishes one dataset from its report; an eval set resumes through --manifest <path> instead.',
      );
    if (datasetArg !== undefined)
      throw new UsageError(`Pass either a dataset ('${datasetArg}') or --eval-set, not both.`);
    const { runEvalSetCommand } = await import('../eval-set-run.js');
    return runEvalSetCommand(options.evalSet, options, io);
  }
  if (options.manifest !== undefined)
    throw new UsageError('--manifest requires --eval-set <name>.');
  if (options.retryFailed === true)
    throw new UsageError('--retry-failed requires --eval-set <name> and --manifest <path>.');
  if (datasetArg === undefined) {
    throw new UsageError(
      'run needs a dataset: a config dataset name or a dataset file path (or --eval-set <name> for a config eval set).',
    );
  }

  const context = await createRunContext(options, io);
  const prepared = await prepareDatasetRun(context, datasetArg);
  checkRunBaseline(context.baseline, [prepared]);
  if (options.dryRun === true) return printDryRun(context, [prepared]);

  const outcome = await executeDatasetRun(context, prepared);
  const { report, summary } = outcome;
  const gates = outcome.gates === undefined ? {} : { gates: outcome.gates };
  const comparisonGates = await writeRunOutputs(options, io, context.baseline, {
    title: `Eval report — ${report.datasetName}`,
    outcomes: [outcome],
    // Rendering checks the whole report before the first chunk, so an encoding failure leaves
    // no file behind and prints nothing.
    render: (comparison) =>
      options.json === true
        ? renderJsonReportChunks(report, summary, {
            ...gates,
            ...(comparison === undefined ? {} : { comparison: comparison.json }),
          })
        : [
            renderMarkdownReport(report, summary, {
              ...gates,
              ...(context.flags.maxRows === undefined ? {} : { maxRows: context.flags.maxRows }),
              ...(comparison === undefined ? {} : { comparison: comparison.markdown }),
            }),
          ],
    junitReports: [report],
    ...datasetFilesOf([prepared]),
  });
  return Math.max(reportOutcome(outcome, io, options.out ?? 'stdout'), comparisonGates);
}
