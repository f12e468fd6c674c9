import { Option, type Command } from 'commander';
// The leaf module, not the batches index: declaring flags must not load the batch code.
import { BATCH_FLAGS, type BatchFlagName, type BatchFlags } from '../batches/options/flag-names.js';

const NONE = 'accepts none or null to clear a profile value';

/**
 * Help text of every batch flag. No commander defaults: a default would be
 * indistinguishable from a flag the user typed, and profiles must only lose to typed flags.
 */
const BATCH_FLAG_HELP: Readonly<Record<BatchFlagName, [argument: string, help: string]>> = {
  batch: [
    '<mode>',
    'batch mode: serial | concurrent | lazy-parallel (default: serial, or the profile mode)',
  ],
  'batch-profile': [
    '<name>',
    'apply a batch profile (ci, smoke, nightly, or a name from batches.profiles); explicit options win over it, and none/null on the seven numeric flags and on --dispatch clears a profile value',
  ],
  concurrency: [
    '<n>',
    'samples in flight at most (concurrent and lazy-parallel); above 1 with no --batch or profile, it selects concurrent mode; also the default chunk size, which --chunk-size can only narrow (default: 1, or the profile value)',
  ],
  queue: [
    '<name>',
    'queue name for lazy-parallel jobs (default: eval-harness-samples, or the profile value)',
  ],
  timeout: ['<seconds>', `per-sample timeout; ${NONE}`],
  'batch-timeout': [
    '<seconds>',
    `wall-clock budget, covering both rate-limit pauses and result collection: per sample from its dispatch with rolling dispatch, per window with windowed (default: batches.lazyParallel.waitTimeoutSeconds, 60); ${NONE}`,
  ],
  'result-ttl-seconds': [
    '<seconds>',
    `keep lazy-parallel results at least this long; never below batches.lazyParallel.resultTtlSeconds (docs/BATCH_QUEUES.md); ${NONE}`,
  ],
  'chunk-size': [
    '<n>',
    `samples in flight at most (the producer window); defaults to --concurrency and must be <= it; ${NONE}`,
  ],
  'rate-limit': ['<n>', `max dispatches per rate window, per producer process; ${NONE}`],
  'rate-window-seconds': [
    '<seconds>',
    `sliding rate window length; defaults to 60 when --rate-limit is set; ${NONE}`,
  ],
  'checkpoint-every': ['<n>', `emit a progress checkpoint every N completed samples; ${NONE}`],
  dispatch: [
    '<strategy>',
    `rolling: start the next sample as soon as one finishes, keeping up to the chunk size in flight; windowed: send a window of chunk-size samples and wait for all of it before the next (default: rolling, or the profile value); ${NONE}`,
  ],
};

/** Short aliases where the ecosystem has one: `-j 8`, as in make and promptfoo. */
const SHORT_ALIASES: Partial<Record<BatchFlagName, string>> = { concurrency: '-j' };

/** Attach every batch flag to a command, from the one shared definition. */
export function addBatchOptions(command: Command): Command {
  for (const flag of BATCH_FLAGS) {
    const [argument, help] = BATCH_FLAG_HELP[flag];
    const short = SHORT_ALIASES[flag];
    command.addOption(
      new Option(`${short === undefined ? '' : `${short}, `}--${flag} ${argument}`, help),
    );
  }
  return command;
}

type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

/** The batch flags as commander parses them: camelCase keys, raw string values. */
export type BatchFlagOptions = { [F in BatchFlagName as CamelCase<F>]?: string };

/** Read the raw batch flag values from a command's parsed options. */
export function readBatchFlags(options: BatchFlagOptions): BatchFlags {
  const flags: BatchFlags = {};
  for (const flag of BATCH_FLAGS) {
    const value = options[camelCase(flag)];
    if (typeof value === 'string') flags[flag] = value;
  }
  return flags;
}

function camelCase<F extends BatchFlagName>(flag: F): CamelCase<F> {
  return flag.replace(/-([a-z])/g, (_match, letter: string) =>
    letter.toUpperCase(),
  ) as CamelCase<F>;
}
