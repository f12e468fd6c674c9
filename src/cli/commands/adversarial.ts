import { resolve } from 'node:path';
import {
  checkSweepManifest,
  recordSweep,
  registerAdversarialDataset,
  sweepSummary,
} from '../../app/index.js';
import { systemClock } from '../../clock.js';
import { loadDatasetFile } from '../../datasets/index.js';
import { EXIT_CODES } from '../../errors.js';
import {
  regressionGateHtml,
  regressionGateLine,
  renderAdversarialReport,
} from '../../adversarial/index.js';
import { parseAdversarialFlags, type AdversarialCommandOptions } from '../adversarial-flags.js';
import {
  createRunContext,
  executeDatasetRun,
  printDryRun,
  prepareRegisteredDataset,
  reportOutcome,
} from '../dataset-run.js';
import type { CliIo } from '../io.js';
import { checkRunBaseline, writeRunOutputs } from '../run-outputs.js';

export type { AdversarialCommandOptions } from '../adversarial-flags.js';

/**
 * `eval-harness adversarial` (alias `adv`): the red-team seed dataset (plus your own samples)
 * through the SUT or saved outputs, with an optional run manifest and regression gate.
 */
export async function adversarialCommand(
  options: AdversarialCommandOptions,
  io: CliIo,
): Promise<number> {
  const { name, recording } = parseAdversarialFlags(options, io);
  const context = await createRunContext(options, io);

  const dataset = registerAdversarialDataset(context.engine, {
    name,
    categories: options.category.length > 0 ? options.category : null,
    metrics: options.metric.length > 0 ? options.metric : ['refusal-quality'],
    ...(options.samples === undefined
      ? {}
      : {
          extraSamples: {
            samples: (await loadDatasetFile(resolve(io.cwd, options.samples))).samples,
            source: options.samples,
          },
        }),
  });
  if (recording !== undefined) await checkSweepManifest(recording.manifestPath, name);
  const prepared = await prepareRegisteredDataset(context, dataset);
  checkRunBaseline(context.baseline, [prepared]);
  if (options.dryRun === true) return printDryRun(context, [prepared]);

  const outcome = await executeDatasetRun(context, prepared);
  // A sweep that did not cover every sample is not recorded: it must never become a baseline.
  const partial = outcome.report.status !== 'complete';
  if (partial && recording !== undefined)
    io.stderr.write(
      `${name}: the sweep ended ${outcome.report.status}, so it is not recorded in ${recording.manifestPath} and no regression gate runs.\n`,
    );
  const recorded =
    recording === undefined || partial
      ? undefined
      : await recordSweep(outcome, recording, systemClock);
  const gateResult = recorded?.gateResult;
  const summary = sweepSummary(outcome);
  const comparisonGates = await writeRunOutputs(options, io, context.baseline, {
    title: `Adversarial sweep — ${name}`,
    outcomes: [{ ...outcome, summary }],
    render: (comparison) => [
      renderAdversarialReport(
        outcome,
        summary,
        gateResult,
        options.json === true,
        comparison,
        context.flags.maxRows,
      ),
    ],
    junitReports: [outcome.report],
    extraGates: gateResult === undefined ? [] : [regressionGateHtml(gateResult)],
    withholdInputs: true,
  });
  // The report is out; now a manifest that could not be written fails the command.
  if (recorded?.error !== undefined) throw recorded.error;

  let exitCode: number = Math.max(
    reportOutcome(outcome, io, options.out ?? 'stdout'),
    comparisonGates,
  );
  if (gateResult !== undefined && recording?.gate !== undefined) {
    const anyFailures = outcome.report.failures.length > 0;
    io.stderr.write(`${regressionGateLine(gateResult, recording.gate.maxDrop, anyFailures)}\n`);
    if (gateResult.status === 'fail') exitCode = EXIT_CODES.evaluationFailed;
  }
  return exitCode;
}
