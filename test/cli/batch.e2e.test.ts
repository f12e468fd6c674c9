import { describe, expect, it } from 'vitest';
import { BATCH_FLAGS } from '../../src/batches/index.js';
import { DEMO_DATASET, makeWorkspace, runCli } from '../helpers/cli.js';

const SUT = 'export default (invocation) => ({ s1: "Paris", s2: "Rome" })[invocation.id];\n';
// The SUT comes from the config, as lazy-parallel runs need it.
const base = ['run', 'ds.yml', '--metric', 'exact-match'];

async function workspace(extra: Record<string, string> = {}): Promise<string> {
  return makeWorkspace({
    'ds.yml': DEMO_DATASET,
    'sut.mjs': SUT,
    'eval-harness.config.json': JSON.stringify({ sut: { type: 'module', path: './sut.mjs' } }),
    'out.json': '{"outputs":{"s1":"hi","s2":"hi"}}',
    ...extra,
  });
}

describe('batch flags through the CLI (child process)', () => {
  it('prints the dry-run plan with the exact keys, calling nothing', async () => {
    const ok = await workspace({
      'sut.mjs': 'export default () => { throw new Error("the SUT was called"); };\n',
    });
    const result = await runCli(
      [...base, '--batch-profile=nightly', '--concurrency=8', '--dry-run', '--json'],
      { cwd: ok },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      datasets: [{ name: 'demo', samples: 2, metrics: ['exact-match'], repeat: 1 }],
      profile: 'nightly',
      maxCostUsd: null,
      batch: {
        mode: 'lazy-parallel',
        concurrency: 8,
        queue: null,
        timeoutSeconds: 120,
        waitTimeoutSeconds: 600,
        resultTtlSeconds: null,
        chunkSize: 8,
        rateLimit: 60,
        rateWindowSeconds: 60,
        checkpointEvery: 100,
        dispatch: null,
        effectiveChunkSize: 8,
        effectiveDispatch: 'rolling',
      },
    });
    const cleared = JSON.parse(
      (
        await runCli(
          [...base, '--batch-profile=nightly', '--rate-limit=none', '--dry-run', '--json'],
          { cwd: ok },
        )
      ).stdout,
    );
    expect(cleared.batch).toMatchObject({ rateLimit: null, rateWindowSeconds: null });
    const text = await runCli([...base, '--dry-run'], { cwd: ok });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Nothing was called');
  });

  it.each([
    ['--concurrency=0', 'The --concurrency option must be a positive integer.'],
    ['--concurrency=abc', 'The --concurrency option must be a positive integer.'],
    ['--rate-limit=-1', 'The --rate-limit option must be a positive integer.'],
    ['--chunk-size=1.5', 'The --chunk-size option must be a positive integer.'],
    ['--batch=parallel', "Unsupported batch mode 'parallel'"],
    [
      '--batch-profile=nightlyy',
      "Unknown batch profile 'nightlyy'. Available profiles: ci, smoke, nightly.",
    ],
    ['--batch-profile=', '--batch-profile option requires a non-empty profile name'],
    [
      '--batch=lazy-parallel --concurrency=8 --chunk-size=12',
      'Batch chunk size (12) cannot exceed concurrency',
    ],
    [
      '--batch=lazy-parallel --rate-limit=none --rate-window-seconds=30',
      'only meaningful with a rate limit',
    ],
    ['--rate-limit=5', 'Serial batch mode does not use a rate limit.'],
    ['--batch=serial --concurrency=2', 'Serial batch mode requires concurrency 1'],
    ['--timeout=30', 'Serial batch mode does not use a timeout'],
    [
      '--batch-profile=ci --batch=serial --concurrency=4',
      'Serial batch mode requires concurrency 1',
    ],
    [
      '--batch=lazy-parallel --checkpoint-every=abc',
      'The --checkpoint-every option must be a positive integer.',
    ],
  ])('%s is a one-line error with exit 2', async (args, fragment) => {
    const dir = await workspace();
    const result = await runCli([...base, ...args.split(' '), '--dry-run'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(fragment);
  });

  it('refuses --sut for lazy-parallel runs, also in a dry run, and runs a lazy profile serially on request', async () => {
    const dir = await workspace();
    const result = await runCli([...base, '--sut', 'sut.mjs', '--batch-profile=ci', '--dry-run'], {
      cwd: dir,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--sut runs in-process only');
    const serial = await runCli(
      [...base, '--batch-profile=ci', '--batch=serial', '--concurrency=', '--timeout='],
      { cwd: dir },
    );
    expect(serial.code).toBe(0);
  });

  it('warns once about batch flags ignored with --outputs; stdout stays JSON', async () => {
    const dir = await workspace();
    const scoring = ['run', 'ds.yml', '--metric', 'exact-match', '--outputs', 'out.json', '--json'];
    const result = await runCli([...scoring, '--batch-profile', 'ci', '--rate-limit', 'abc'], {
      cwd: dir,
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).samples[0].actual_output).toBe('hi');
    expect(result.stdout).not.toContain('Ignoring');
    expect(result.stderr.trim().split('\n')).toEqual([
      'warning: Ignoring batch flags --batch-profile, --rate-limit: --outputs is set, and scoring saved outputs bypasses batch dispatch.',
    ]);
    const serialFlag = await runCli([...scoring, '--batch', 'serial', '--out', 'r.json'], {
      cwd: dir,
    });
    expect(serialFlag.stderr).toContain('Ignoring batch flags --batch:');
    const none = await runCli([...scoring, '--out', 'r.json'], { cwd: dir });
    expect(none.stderr).not.toContain('Ignoring');
  });

  it('fails at config load on a broken profile, naming the profile and key', async () => {
    const dir = await workspace({
      'eval-harness.config.json': JSON.stringify({
        batches: { profiles: { nightly: { concurency: 4 } } },
      }),
    });
    const result = await runCli([...base, '--dry-run'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(
      "batches.profiles: Batch profile 'nightly' has unknown key(s): concurency",
    );
    expect(result.stderr).toContain('did you mean "concurrency"?');
    const profiles = await runCli(['profiles'], { cwd: dir });
    expect(profiles.code).toBe(2);
  });

  it('lists built-in and config profiles (profiles --json)', async () => {
    const dir = await workspace({
      'eval-harness.config.json': JSON.stringify({
        batches: {
          profiles: {
            nightly: { concurrency: 32 },
            local: { mode: 'concurrent', concurrency: 8, rateLimit: 60, dispatch: 'windowed' },
          },
        },
      }),
    });
    const result = await runCli(['profiles', '--json'], { cwd: dir });
    expect(result.code).toBe(0);
    const { profiles } = JSON.parse(result.stdout);
    expect(profiles.map((p: { name: string }) => p.name)).toEqual([
      'ci',
      'smoke',
      'nightly',
      'local',
    ]);
    expect(profiles[2]).toEqual({
      name: 'nightly',
      mode: 'lazy-parallel',
      concurrency: 32,
      queue: null,
      timeoutSeconds: 120,
      waitTimeoutSeconds: 600,
      resultTtlSeconds: null,
      chunkSize: 16,
      rateLimit: 60,
      rateWindowSeconds: 60,
      checkpointEvery: 100,
      dispatch: null,
      maxCostUsd: null,
    });
    expect(profiles[3]).toMatchObject({
      name: 'local',
      mode: 'concurrent',
      concurrency: 8,
      rateLimit: 60,
      queue: null,
      dispatch: 'windowed',
    });
    const table = await runCli(['profiles'], { cwd: dir });
    expect(table.stdout).toMatch(/^name +mode +concurrency.* dispatch +maxCostUsd\n/);
    expect(table.stdout).toMatch(/\nlocal +concurrent +8 .* windowed +-\n/);
  });

  it('documents every batch flag once, grouped, in the run help, with examples', async () => {
    const dir = await workspace();
    const help = (await runCli(['run', '--help'], { cwd: dir })).stdout;
    for (const flag of BATCH_FLAGS)
      expect(
        help
          .split('\n')
          .filter((line) => line.match(/^ {2}(-\w, )?(--[a-z-]+)/)?.[2] === `--${flag}`),
      ).toHaveLength(1);
    const flat = help.replace(/\s+/g, ' ');
    expect(flat).toContain('Batch (how samples are dispatched; not used with --outputs):');
    expect(flat).toContain('--dispatch <strategy> rolling');
    expect(flat).toContain('-j, --concurrency <n> samples in flight at most');
    expect(flat).toContain('default chunk size');
    expect(flat).not.toContain('(default: [])');
    expect(help).toContain('Examples:\n  $ eval-harness run faq');
    // The program's summary names the commands without repeating the batch flags.
    const summary = (await runCli(['--help'], { cwd: dir })).stdout;
    expect(summary).not.toContain('--rate-window-seconds');
  });
});
