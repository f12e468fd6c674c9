import { resolve } from 'node:path';
import {
  checkSweepManifest,
  recordSweep,
  registerAdversarialDataset,
  sweepSummary,
} from '../../app/index.js';
import {
  DEFAULT_ADVERSARIAL_DATASET,
  parseGateTargets,
  type GateTarget,
} from '../../adversarial/index.js';
import { systemClock } from '../../clock.js';
import { loadDatasetFile } from '../../datasets/index.js';
import { UsageError } from '../../errors.js';
import { parsePositiveIntFlag } from '../../flag-values.js';
import {
  buildReportJson,
  regressionGateJson,
  regressionGateLine,
  regressionGateMarkdown,
  renderMarkdownReport,
} from '../../reports/index.js';
import {
  createRunContext,
  executeDatasetRun,
  prepareRegisteredDataset,
  reportOutcome,
  type RunCommandOptions,
} from '../dataset-run.js';
import { printDryRunPlan } from '../dry-run-plan.js';
import { emitReport, writeJunit } from '../emit-report.js';
import type { CliIo } from '../io.js';

export interface AdversarialCommandOptions extends RunCommandOptions {
  dataset?: string;
  category: string[];
  samples?: string;
  manifestRetain?: string;
  regressionGate?: boolean;
  regressionMaxDrop?: string;
  regressionMetric: string[];
}

interface GatePlan {
  readonly manifestPath: string | undefined;
  readonly retain: number;
  readonly gate: { readonly maxDrop: number; readonly targets: readonly GateTarget[] } | undefined;
}

/** Check every manifest / gate flag before anything runs (dependent flags are errors). */
function planGate(options: AdversarialCommandOptions, io: CliIo): GatePlan {
  const manifest = options.manifest;
  if (manifest === undefined) {
    if (options.regressionGate === true) {
      throw new UsageError(
        'The --regression-gate option requires --manifest=<path> so a previous adversarial run can be used as baseline.',
      );
    }
    if (options.manifestRetain !== undefined)
      throw new UsageError('--manifest-retain requires --manifest <path>.');
  } else if (manifest === '' || manifest.trim() !== manifest) {
    throw new UsageError(
      'The --manifest option requires a non-empty file path without leading or trailing whitespace.',
    );
  }
  if (options.regressionGate !== true) {
    if (options.regressionMaxDrop !== undefined)
      throw new UsageError('--regression-max-drop requires --regression-gate.');
    if (options.regressionMetric.length > 0)
      throw new UsageError('--regression-metric requires --regression-gate.');
  }
  const retain = parsePositiveIntFlag('--manifest-retain', options.manifestRetain ?? '10');
  let gate: GatePlan['gate'];
  if (options.regressionGate === true) {
    const dropText = options.regressionMaxDrop ?? '';
    const drop = dropText === '' ? 5 : Number(dropText);
    if (
      dropText.trim() !== dropText ||
      !/^[0-9.eE+-]*$/.test(dropText) ||
      !Number.isFinite(drop) ||
      drop < 0 ||
      drop > 100
    ) {
      throw new UsageError(
        'The --regression-max-drop option must be a finite percentage in [0, 100].',
      );
    }
    options.regressionMetric.forEach((target, index) => {
      if (target === '')
        throw new UsageError(
          `The --regression-metric option value at index ${index} must be a non-empty string.`,
        );
    });
    try {
      gate = { maxDrop: drop / 100, targets: parseGateTargets(options.regressionMetric) };
    } catch (error) {
      throw new UsageError((error as Error).message, { cause: error });
    }
  }
  return {
    manifestPath: manifest === undefined ? undefined : resolve(io.cwd, manifest),
    retain,
    gate,
  };
}

/**
 * `eval-harness adversarial` (alias `adv`): the red-team seed dataset (plus your own samples)
 * through the SUT or saved outputs, with an optional run manifest and regression gate.
 */
export async function adversarialCommand(
  options: AdversarialCommandOptions,
  io: CliIo,
): Promise<number> {
  const name = options.dataset ?? DEFAULT_ADVERSARIAL_DATASET;
  if (name === '' || name.trim() !== name) {
    throw new UsageError(
      'The --dataset option must be a non-empty dataset name without leading or trailing whitespace.',
    );
  }
  for (const [flag, values] of [
    ['--category', options.category],
    ['--metric', options.metric],
  ] as const) {
    values.forEach((value, index) => {
      if (value === '')
        throw new UsageError(
          `The ${flag} option value at index ${index} must be a non-empty string.`,
        );
    });
  }
  const gatePlan = planGate(options, io);
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
  if (gatePlan.manifestPath !== undefined) await checkSweepManifest(gatePlan.manifestPath, name);
  const prepared = await prepareRegisteredDataset(context, dataset);
  if (options.dryRun === true) {
    printDryRunPlan(io, [dataset], context.batch, options.json === true);
    return 0;
  }

  const outcome = await executeDatasetRun(context, prepared);
  const recorded =
    gatePlan.manifestPath === undefined
      ? undefined
      : await recordSweep(
          outcome,
          { manifestPath: gatePlan.manifestPath, retain: gatePlan.retain, gate: gatePlan.gate },
          systemClock,
        );
  const gateResult = recorded?.gateResult;
  const { report } = outcome;
  const summary = sweepSummary(outcome);
  const extras = outcome.gates === undefined ? {} : { gates: outcome.gates };
  await emitReport(
    () => [
      options.json === true
        ? JSON.stringify(
            gateResult === undefined
              ? buildReportJson(report, summary, extras)
              : {
                  ...buildReportJson(report, summary, extras),
                  regression_gate: regressionGateJson(gateResult),
                },
            null,
            4,
          )
        : renderMarkdownReport(report, summary, extras) +
          (gateResult === undefined ? '' : regressionGateMarkdown(gateResult)),
    ],
    options,
    io,
  );
  if (options.junit !== undefined) await writeJunit([report], options.junit, io);
  // The report is out; now a manifest that could not be written fails the command.
  if (recorded?.error !== undefined) throw recorded.error;

  let exitCode: number = reportOutcome(outcome, io);
  if (gateResult !== undefined && gatePlan.gate !== undefined) {
    io.stderr.write(
      `${regressionGateLine(gateResult, gatePlan.gate.maxDrop, report.failures.length > 0)}\n`,
    );
    if (gateResult.status === 'fail') exitCode = 1;
  }
  return exitCode;
}
