import { resolve } from 'node:path';
import {
  checkBaseline,
  checkSweepManifest,
  recordSweep,
  registerAdversarialDataset,
  sweepSummary,
} from '../../app/index.js';
import { systemClock } from '../../clock.js';
import { loadDatasetFile } from '../../datasets/index.js';
import { regressionGateLine, renderAdversarialReport } from '../../reports/index.js';
import { parseAdversarialFlags, type AdversarialCommandOptions } from '../adversarial-flags.js';
import {
  createRunContext,
  executeDatasetRun,
  printDryRun,
  prepareRegisteredDataset,
  reportOutcome,
} from '../dataset-run.js';
import { emitReport, writeJunit } from '../emit-report.js';
import type { CliIo } from '../io.js';
import {
  compareRunWithBaseline,
  reportComparisonGates,
  writeRunHtml,
} from '../comparison-flags.js';

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
  if (context.baseline !== undefined)
    checkBaseline(context.baseline, {
      datasets: [name],
      metrics: dataset.metrics.map((metric) => metric.name),
    });
  if (options.dryRun === true) return printDryRun(context, [prepared]);

  const outcome = await executeDatasetRun(context, prepared);
  const recorded =
    recording === undefined ? undefined : await recordSweep(outcome, recording, systemClock);
  const gateResult = recorded?.gateResult;
  const { report } = outcome;
  const summary = sweepSummary(outcome);
  const compared = compareRunWithBaseline(context.baseline, [outcome]);
  await emitReport(
    () => [
      renderAdversarialReport(
        outcome,
        summary,
        gateResult,
        options.json === true,
        compared?.rendered,
      ),
    ],
    options,
    io,
  );
  if (options.junit !== undefined) await writeJunit([report], options.junit, io);
  await writeRunHtml(options, io, {
    title: `Adversarial sweep — ${name}`,
    outcomes: [{ ...outcome, summary }],
    compared,
    withholdInputs: true,
    extraGates:
      gateResult === undefined
        ? []
        : [
            {
              label: 'regression gate',
              passed: gateResult.status !== 'fail',
              detail: gateResult.status,
            },
          ],
  });
  // The report is out; now a manifest that could not be written fails the command.
  if (recorded?.error !== undefined) throw recorded.error;

  let exitCode: number = reportOutcome(outcome, io);
  if (gateResult !== undefined && recording?.gate !== undefined) {
    io.stderr.write(
      `${regressionGateLine(gateResult, recording.gate.maxDrop, report.failures.length > 0)}\n`,
    );
    if (gateResult.status === 'fail') exitCode = 1;
  }
  return Math.max(exitCode, reportComparisonGates(compared?.gates, io));
}
