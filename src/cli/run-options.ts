import { Option, type Command } from 'commander';
import { addBatchOptions } from './batch-flags.js';

/** Commander argParser for repeatable options. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--max-drop` and `--max-regressed`, declared once for `compare` and for `--baseline` runs. */
export function addComparisonGateOptions(command: Command, condition = ''): Command {
  return command
    .option(
      '--max-drop <gate>',
      `${condition}exit 1 when metric[:mean|p50|p95|pass_rate] (or macro_f1) dropped by more than a limit in percentage points or score units, such as contains:mean=5pp or rouge-l=0.05score (repeatable)`,
      collect,
      [],
    )
    .option(
      '--max-regressed <n>',
      `${condition}exit 1 when more than n samples crossed their pass line downwards on any metric`,
    )
    .option(
      '--confidence <level>',
      `${condition}the level of the comparison's confidence intervals (default 0.95)`,
    )
    .option(
      '--significant',
      `${condition}gate on evidence: --max-drop on a mean fails only when its whole confidence interval lies below the limit, --max-regressed only when McNemar says the pass-to-fail flips are beyond chance`,
    );
}

/**
 * The options `run` and `adversarial` share, declared once: report format and destinations,
 * score gates, progress, lazy-parallel connection, dry run, and every batch flag.
 */
export function addRunOptions(command: Command): Command {
  command
    .addOption(new Option('--json', 'print the JSON report').conflicts('markdown'))
    .option('--markdown', 'print the Markdown report (the default)')
    .option(
      '-o, --out <path>',
      'write the report to this file instead of stdout (folders are created)',
    )
    .option('--junit <path>', 'also write a JUnit XML report (one test case per sample)')
    .option(
      '--jsonl <path>',
      'also write one JSON line per sample as it finishes (id, output, scores, error), for tools that read streams',
    )
    .option(
      '--annotations <format>',
      'print CI annotations for failed gates and the worst samples: github (default under GITHUB_ACTIONS=true)',
    )
    .option('--no-annotations', 'print no CI annotations')
    .option(
      '--csv <path>',
      'also write a CSV report for spreadsheets: one row per sample, a column per metric score, the error, expected and actual answers',
    )
    .option(
      '--html <path>',
      'also write a self-contained HTML report (charts, sample search, filters) to this file',
    )
    .option(
      '--baseline <report.json>',
      "compare with a saved JSON report of the same dataset or eval set (main's, say): adds a comparison to the report",
    )
    .option(
      '--baseline-optional',
      'with --baseline: a missing baseline file is a warning and the comparison is skipped',
    )
    .option(
      '--fail-under <gate>',
      'exit 1 when an aggregate is below a value: metric[:mean|p50|p95|pass_rate|pass_all|pass_any]=value or macro_f1=value (repeatable)',
      collect,
      [],
    )
    .option(
      '--filter-failing <report.json>',
      'run only the samples that failed, errored or were not run in this saved report',
    )
    .option(
      '--tag <tag>',
      'run only the samples with this tag (repeatable: any of them)',
      collect,
      [],
    )
    .option('--filter-id <regex>', 'run only the samples whose id matches this regular expression')
    .option(
      '--shard <i/n>',
      'run shard i of n (a stable split by id hash): n CI jobs with 1/n … n/n cover every sample once',
    )
    .option('--sample <n>', 'run n samples picked at random (reproducible with --seed)')
    .option('--seed <s>', 'with --sample: the seed of the random pick (default 0)')
    .option('--limit <n>', 'run only the first n samples (after the other selections)')
    .option(
      '--max-rows <n>',
      'samples listed under "Samples below the pass line" in the Markdown report (default 20)',
    )
    .option(
      '--repeat <n>',
      "run each sample n times (independent SUT calls); reports per-sample means, pass_all and pass_any (default: the config dataset's repeat, else 1)",
    )
    .option(
      '--max-cost <usd>',
      'stop dispatching once the known spend (SUT and judge tokens priced with the config costs) passes this many USD; the report covers what ran and the run exits 1',
    )
    .option(
      '--sut-timeout <seconds>',
      "abort a SUT call after this long and record the sample's error (default: sut.timeoutSeconds, else 300)",
    )
    .option(
      '--sut-retries <n>',
      'retry a failed SUT call up to n times with backoff (default: sut.retries, else 2 for an http SUT and 0 for others)',
    )
    .option(
      '--max-errors <n>',
      'go on past up to n samples the SUT could not answer (they count as failures, exit 1); one more stops the run (exit 3). Default 0',
    )
    .option(
      '--local-workers <n>',
      'lazy-parallel: run n worker slots inside this process (one-machine runs and CI)',
    )
    .option(
      '--redis-url <url>',
      'lazy-parallel: Redis URL, or comma-separated Redis Cluster node URLs (default: redis.url or redis.cluster, EVAL_HARNESS_REDIS_URL, redis://127.0.0.1:6379)',
    )
    .option(
      '--progress-file <path>',
      'append progress events (checkpoint and terminal) to this file as NDJSON',
    )
    .option('--no-progress', 'no progress bar or progress lines on stderr')
    .option(
      '--cache-dir <path>',
      'where judge and embeddings answers (and http SUT answers with sut.cache: true) are cached (default: .eval-harness/cache)',
    )
    .option('--no-cache', 'neither read nor write the response cache')
    .option(
      '--dry-run',
      'resolve config, dataset, metrics and batch options, print the plan, and exit without calling the SUT',
    )
    .option('--debug', 'print stack traces and error causes');
  addComparisonGateOptions(command, 'with --baseline: ');
  return addBatchOptions(command);
}
