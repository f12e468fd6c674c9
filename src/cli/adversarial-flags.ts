import { resolve } from 'node:path';
import {
  DEFAULT_ADVERSARIAL_DATASET,
  adversarialCategory,
  parseGateTargets,
} from '../adversarial/index.js';
import type { SweepRecording } from '../app/index.js';
import { UsageError } from '../errors.js';
import { parsePositiveIntFlag } from '../flag-values.js';
import type { RunCommandOptions } from './run-flags.js';
import type { CliIo } from './io.js';

export interface AdversarialCommandOptions extends RunCommandOptions {
  dataset?: string;
  category: string[];
  samples?: string;
  manifestRetain?: string;
  regressionGate?: boolean;
  regressionMaxDrop?: string;
  regressionMetric: string[];
}

/** Check every manifest / gate flag before anything runs (dependent flags are errors). */
function planRecording(options: AdversarialCommandOptions, io: CliIo): SweepRecording | undefined {
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
  let gate: SweepRecording['gate'];
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
  return manifest === undefined
    ? undefined
    : { manifestPath: resolve(io.cwd, manifest), retain, gate };
}

/**
 * The adversarial command's own flags, all checked before anything loads or runs: the dataset
 * name, non-empty repeatable values, and the manifest and gate flags.
 */
export function parseAdversarialFlags(
  options: AdversarialCommandOptions,
  io: CliIo,
): { readonly name: string; readonly recording: SweepRecording | undefined } {
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
  for (const category of options.category) adversarialCategory(category, '--category');
  return { name, recording: planRecording(options, io) };
}
