import type { CliIo } from '../io.js';
import { parseAdversarialFlags, type AdversarialCommandOptions } from '../adversarial-flags.js';
import { runAndReport } from '../run-command.js';
import { runRequestOf } from '../run-flags.js';

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
  const { request, warnings } = runRequestOf(
    {
      kind: 'adversarial',
      dataset: name,
      categories: options.category.length > 0 ? options.category : null,
      samplesPath: options.samples,
      recording,
    },
    options,
    io,
  );
  return runAndReport(request, warnings, options, io);
}
