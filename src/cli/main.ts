import { getEventListeners } from 'node:events';
import { Command, CommanderError, Option } from 'commander';
import { EXIT_CODES, EvalHarnessError } from '../errors.js';
import { settleAbandonedCalls } from '../pending-calls.js';
import { EVAL_HARNESS_VERSION } from '../version.js';
import { groupRunOptions, withExamples } from './help.js';
import { addComparisonGateOptions, addRunOptions, collect } from './run-options.js';
import { interruptedExitCode, type CliIo } from './io.js';

/** Build the commander program; `onExit` receives each action's exit code. */
export function createProgram(io: CliIo, onExit: (code: number) => void): Command {
  const program = new Command('eval-harness')
    .description(
      'Run golden datasets through an LLM / RAG system, score the answers and gate CI on the result.',
    )
    .version(EVAL_HARNESS_VERSION, '-V, --version', 'print the version and exit')
    .option('--debug', 'print stack traces and error causes')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // One line per error: fold commander's "(Did you mean …?)" into the message line.
      outputError: (text, write) =>
        write(`${text.trimEnd().replace(/\n\(Did you mean (.+)\?\)$/, ' (did you mean $1?)')}\n`),
    })
    .showSuggestionAfterError(true)
    // Option text says its defaults in words; commander's "(default: [])" only adds noise.
    .configureHelp({ optionDescription: (option) => option.description });

  const run = program
    .command('run')
    .description('Run one dataset (a config dataset name or a dataset file) and print its report.')
    .argument(
      '[dataset]',
      'dataset name from the config, or a path to a dataset .yml / .json / .jsonl file',
    )
    .option(
      '-c, --config <path>',
      'config file (default: eval-harness.config.{ts,mts,js,mjs,cjs,json,yaml,yml} in the working directory)',
    )
    .option(
      '--sut <module>',
      'system under test: a module whose default export is (invocation) => string',
    )
    .option(
      '--metric <name>',
      'metric to score with (repeatable); overrides the config and the dataset file',
      collect,
      [],
    )
    .option(
      '--outputs <file>',
      'score saved outputs (JSON or YAML {"outputs": {...}}, or JSON Lines) instead of calling the SUT',
    )
    .option(
      '--eval-set <name>',
      'run the datasets of a config evalSets entry in order, instead of one dataset',
    )
    .option(
      '--manifest <path>',
      'with --eval-set: resume manifest, written after every dataset; completed datasets are skipped next time',
    )
    .option('--retry-failed', 'with --manifest: run datasets that failed in an earlier run again')
    .option(
      '--resume <report.json>',
      'finish a stopped or interrupted run: keep the scored samples of this JSON report and run only its errored and not-run samples',
    );
  withExamples(groupRunOptions(addRunOptions(run)), [
    'eval-harness run faq                                  # a config dataset, Markdown on stdout',
    'eval-harness run golden.yml --sut ./sut.mjs --metric exact-match',
    'eval-harness run faq --json -o report.json --junit junit.xml --fail-under rouge-l=0.7',
    'eval-harness run faq --baseline main.json --max-drop rouge-l=2pp --significant',
    'eval-harness run faq -j 8 --max-errors 5             # 8 at a time, go on past 5 SUT errors',
    'eval-harness run faq --json -o r.json --resume r.json  # finish a stopped run',
    'eval-harness run faq --shard 2/4 --json -o faq-2.json     # one job of a four-job CI matrix',
    'eval-harness run faq --filter-failing r.json            # rerun what did not pass',
    'eval-harness run faq --batch-profile=nightly --local-workers 4',
  ]).action(async (dataset: string | undefined, options) => {
    const { runCommand } = await import('./commands/run.js');
    onExit(await runCommand(dataset, options, io));
  });

  const adversarial = program
    .command('adversarial')
    .alias('adv')
    .description(
      'Run the red-team seed dataset (10 categories: prompt injection, jailbreak, PII leak, ...) through the SUT or saved outputs; record runs in a manifest and gate on regressions.',
    )
    .option(
      '-c, --config <path>',
      'config file (default: eval-harness.config.* in the working directory)',
    )
    .option('--dataset <name>', 'dataset (and manifest) name (default: adversarial.security.v1)')
    .option('--category <id>', 'category to include (repeatable; default: all ten)', collect, [])
    .option(
      '--metric <name>',
      'metric to score with (repeatable; default: refusal-quality)',
      collect,
      [],
    )
    .option(
      '--samples <file>',
      'your own adversarial samples, a dataset file in the usual format, added to the seeds',
    )
    .option('--sut <module>', 'system under test module (default: the config sut)')
    .option(
      '--outputs <file>',
      'score saved outputs (ids adv.<category>) instead of calling the SUT',
    )
    .option('--manifest <path>', 'JSON run history to record this run in')
    .option(
      '--manifest-retain <n>',
      'runs the manifest keeps (default 10; a clean baseline is always kept)',
    )
    .option(
      '--regression-gate',
      'compare with the latest compatible failure-free --manifest baseline and exit 1 on a drop',
    )
    .option(
      '--regression-max-drop <points>',
      'allowed drop in percentage points of the 0-1 score (default 5, i.e. 0.05)',
    )
    .option(
      '--regression-metric <target>',
      'also gate metric[:mean|p50|p95|pass_rate] (repeatable; macro_f1 is always gated)',
      collect,
      [],
    );
  withExamples(groupRunOptions(addRunOptions(adversarial)), [
    'eval-harness adversarial --category=prompt-injection --sut ./sut.mjs',
    'eval-harness adversarial --manifest runs.json --regression-gate',
  ]).action(async (options) => {
    const { adversarialCommand } = await import('./commands/adversarial.js');
    onExit(await adversarialCommand(options, io));
  });

  program
    .command('worker')
    .description(
      'Run sample jobs of lazy-parallel batches from a queue, until SIGINT or SIGTERM (which drain in-flight jobs, then exit 0).',
    )
    .option(
      '-c, --config <path>',
      'config file with the sut the jobs name (default: eval-harness.config.* in the working directory)',
    )
    .option('--queue <name>', 'queue to take jobs from (default: eval-harness-samples)')
    .option('-j, --concurrency <n>', 'jobs run at once by this process (default: 1)')
    .option(
      '--redis-url <url>',
      'Redis URL, or comma-separated Redis Cluster node URLs (default: redis.url or redis.cluster, EVAL_HARNESS_REDIS_URL, redis://127.0.0.1:6379)',
    )
    .option('--cache-dir <path>', 'response cache of an http SUT (default: .eval-harness/cache)')
    .option('--no-cache', 'neither read nor write the response cache')
    .option('--debug', 'print stack traces and error causes')
    .addHelpText(
      'after',
      '\nExamples:\n  $ eval-harness worker --queue evals -j 8 --redis-url redis://redis:6379\n',
    )
    .action(async (options) => {
      const { workerCommand } = await import('./commands/worker.js');
      onExit(await workerCommand(options, io));
    });

  const compare = program
    .command('compare')
    .description(
      'Compare two JSON reports of the same dataset or eval set (base, then head): aggregate deltas, samples that crossed the pass line, failures added and resolved; gate on drops.',
    )
    .argument('<base>', 'the earlier JSON report (main, say)')
    .argument('<head>', 'the later JSON report (the pull request, say)')
    .addOption(new Option('--json', 'print the comparison as JSON').conflicts('markdown'))
    .option('--markdown', 'print the comparison as Markdown (the default)')
    .option('-o, --out <path>', 'write the comparison to this file instead of stdout')
    .option(
      '--html <path>',
      'also write a self-contained HTML page with both runs side by side to this file',
    )
    .option(
      '--allow-dataset-mismatch',
      'compare reports of two different datasets or eval sets (a renamed dataset)',
    )
    .option(
      '--annotations <format>',
      'print CI annotations for failed gates: github (default under GITHUB_ACTIONS=true)',
    )
    .option('--no-annotations', 'print no CI annotations');
  withExamples(addComparisonGateOptions(compare), [
    'eval-harness compare main.json pr.json                      # Markdown on stdout',
    'eval-harness compare main.json pr.json --max-drop rouge-l=2pp --significant',
    'eval-harness compare main.json pr.json --json -o cmp.json --html cmp.html',
  ])
    .option('--debug', 'print stack traces and error causes')
    .action(async (base: string, head: string, options) => {
      const { compareCommand } = await import('./commands/compare.js');
      onExit(await compareCommand(base, head, options, io));
    });

  withExamples(
    program
      .command('merge')
      .description(
        "Join the JSON reports of one dataset's shards (run --shard i/n in a CI matrix) into one report over every sample, and gate on it.",
      )
      .argument('<reports...>', 'the shard reports, written with --json')
      .addOption(new Option('--json', 'print the merged JSON report').conflicts('markdown'))
      .option('--markdown', 'print the merged Markdown report (the default)')
      .option('-o, --out <path>', 'write the merged report to this file instead of stdout')
      .option(
        '--fail-under <gate>',
        'exit 1 when an aggregate of the merged report is below a value: metric[:mean|p50|p95|pass_rate]=value or macro_f1=value (repeatable)',
        collect,
        [],
      )
      .option('--max-rows <n>', 'samples listed below the pass line in Markdown (default 20)')
      .option('--debug', 'print stack traces and error causes'),
    [
      'eval-harness merge reports/qa-1.json reports/qa-2.json reports/qa-3.json --json -o qa.json',
      'eval-harness merge reports/qa-*.json --fail-under exact-match=0.8',
    ],
  ).action(async (reports: string[], options) => {
    const { mergeCommand } = await import('./commands/merge.js');
    onExit(await mergeCommand(reports, options, io));
  });

  program
    .command('cache')
    .description('Manage the response cache of judge, embeddings and http SUT calls.')
    .command('clear')
    .description('Delete every cached response.')
    .option('--cache-dir <path>', 'the cache folder (default: .eval-harness/cache)')
    .option('--debug', 'print stack traces and error causes')
    .addHelpText(
      'after',
      '\nExamples:\n  $ eval-harness cache clear --cache-dir .eval-harness/cache\n',
    )
    .action(async (options) => {
      const { cacheClearCommand } = await import('./commands/cache.js');
      onExit(await cacheClearCommand(options, io));
    });

  program
    .command('init')
    .description(
      'Write a working starter into this folder: a typed config, a small dataset and an offline system under test.',
    )
    .option('--force', 'overwrite starter files that already exist')
    .option('--debug', 'print stack traces and error causes')
    .addHelpText('after', '\nExamples:\n  $ eval-harness init && npx eval-harness run faq\n')
    .action(async (options) => {
      const { initCommand } = await import('./commands/init.js');
      onExit(await initCommand(options, io));
    });

  program
    .command('profiles')
    .description(
      'Print the batch profiles (built-ins plus config overrides) with every resolved field.',
    )
    .option(
      '-c, --config <path>',
      'config file (default: eval-harness.config.* in the working directory)',
    )
    .option('--json', 'print JSON')
    .option('--debug', 'print stack traces and error causes')
    .addHelpText('after', '\nExamples:\n  $ eval-harness profiles --json\n')
    .action(async (options) => {
      const { profilesCommand } = await import('./commands/profiles.js');
      onExit(await profilesCommand(options, io));
    });

  return program;
}

/** Run the CLI with `argv` (without node and script); returns the process exit code. */
export async function main(argv: readonly string[], given: CliIo): Promise<number> {
  const io: CliIo = { ...given, debug: argv.includes('--debug') };
  let exitCode: number = EXIT_CODES.ok;
  const program = createProgram(io, (code) => {
    exitCode = code;
  });
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT_CODES.badInput;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io, argv.includes('--debug'));
  }
}

function reportError(error: unknown, io: CliIo, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Commander already printed its one-line message. Help asked for and the version are normal
    // exits; help shown because a command group was called bare (`eval-harness cache`) is a
    // usage error, like a bare `eval-harness`.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')
      return EXIT_CODES.ok;
    return EXIT_CODES.badInput;
  }
  const isOurs = error instanceof EvalHarnessError;
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(
    `error: ${isOurs ? message : `unexpected failure: ${message} (rerun with --debug for the stack trace)`}\n`,
  );
  if (debug) io.stderr.write(`${describeChain(error)}\n`);
  return isOurs ? error.exitCode : EXIT_CODES.runtimeFailure;
}

function describeChain(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? current.message) : String(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) parts.push('Caused by:');
  }
  return parts.join('\n');
}

/**
 * The process entry point: run with the real process edges, then exit once stdout and stderr
 * are flushed. Exiting explicitly matters after an aborted run: a SUT call abandoned at its
 * timeout may leave timers or sockets that would otherwise keep the process alive.
 */
export async function runFromProcess(): Promise<void> {
  const interrupt = new AbortController();
  // The first signal goes to the command if it owes cleanup (it listens on `interrupt`), else it
  // stops the process; a second one always stops it at once.
  const onSignal = (signal: NodeJS.Signals): void => {
    const owed =
      !interrupt.signal.aborted && getEventListeners(interrupt.signal, 'abort').length > 0;
    interrupt.abort(signal);
    if (!owed) process.exit(interruptedExitCode(interrupt.signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Nothing left to wait for while the command has not finished: a SUT promise that will never
  // settle. Those calls become sample errors, and the run goes on to write its report. Should
  // nothing be pending at all, the process must still not end silently with exit 0.
  let finished = false;
  process.on('beforeExit', () => {
    if (finished || settleAbandonedCalls() > 0) return;
    process.stderr.write(
      'error: eval-harness stopped with its command unfinished and nothing left to wait for (rerun with --debug and report this).\n',
    );
    process.exit(EXIT_CODES.runtimeFailure);
  });
  const code = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    interrupt: interrupt.signal,
  });
  finished = true;
  process.exitCode = code;
  await Promise.all(
    [process.stdout, process.stderr].map(
      (stream) => new Promise<void>((resolve) => stream.write('', () => resolve())),
    ),
  );
  process.exit(code);
}
