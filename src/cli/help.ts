import type { Command } from 'commander';

/** The help groups of `run` and `adversarial`, by option (long name without dashes). */
const GROUPS: readonly [heading: string, options: readonly string[]][] = [
  [
    'Dataset and system under test:',
    [
      'config',
      'dataset',
      'category',
      'samples',
      'sut',
      'outputs',
      'eval-set',
      'manifest',
      'retry-failed',
      'resume',
      'sut-timeout',
      'sut-retries',
      'max-errors',
      'repeat',
      'max-cost',
      'cache-dir',
      'cache',
    ],
  ],
  ['Sample selection:', ['filter-failing', 'tag', 'filter-id', 'shard', 'sample', 'seed', 'limit']],
  [
    'Metrics and gates:',
    [
      'metric',
      'fail-under',
      'baseline',
      'baseline-optional',
      'max-drop',
      'max-regressed',
      'confidence',
      'significant',
      'manifest-retain',
      'regression-gate',
      'regression-max-drop',
      'regression-metric',
    ],
  ],
  [
    'Reports:',
    [
      'json',
      'markdown',
      'out',
      'junit',
      'jsonl',
      'csv',
      'html',
      'max-rows',
      'annotations',
      'progress-file',
      'progress',
      'dry-run',
      'debug',
    ],
  ],
  [
    'Batch (how samples are dispatched; not used with --outputs):',
    [
      'batch',
      'batch-profile',
      'concurrency',
      'timeout',
      'batch-timeout',
      'chunk-size',
      'rate-limit',
      'rate-window-seconds',
      'checkpoint-every',
      'dispatch',
    ],
  ],
  ['Queue (lazy-parallel runs):', ['queue', 'result-ttl-seconds', 'local-workers', 'redis-url']],
];

/**
 * Group a command's options under headings, so `run --help` reads by task instead of as one
 * list of sixty flags. Options not listed keep commander's own "Options:" heading.
 */
export function groupRunOptions(command: Command): Command {
  const groupOf = new Map(GROUPS.flatMap(([heading, names]) => names.map((n) => [n, heading])));
  for (const option of command.options) {
    const name = option.long?.replace(/^--(no-)?/, '');
    const heading = name === undefined ? undefined : groupOf.get(name);
    if (heading !== undefined) option.helpGroup(heading);
  }
  return command;
}

/** An "Examples:" section after a command's help. */
export function withExamples(command: Command, examples: readonly string[]): Command {
  return command.addHelpText(
    'after',
    `\nExamples:\n${examples.map((example) => `  $ ${example}`).join('\n')}\n`,
  );
}
