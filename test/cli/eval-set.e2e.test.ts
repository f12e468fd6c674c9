import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli, startCli } from '../helpers/cli.js';

const dataset = (name: string, prefix: string) =>
  `name: rag.${name}\nsamples:\n  - { id: ${prefix}a, input: { q: 1 }, expected_output: ok }\n  - { id: ${prefix}b, input: { q: 2 }, expected_output: ok }\n`;

/** The second dataset's first sample fails on the first attempt only (a flag file records it). */
const SUT = `import { existsSync, writeFileSync, appendFileSync } from 'node:fs';
export default async ({ id }) => {
  appendFileSync('calls.log', id + '\\n');
  if (process.env.DELAY_MS) await new Promise((r) => setTimeout(r, Number(process.env.DELAY_MS)));
  if (process.env.SLOW_SECOND && id.startsWith('s2')) await new Promise((r) => setTimeout(r, 10000));
  if (id === 's2a' && !existsSync('flag')) { writeFileSync('flag', '1'); throw new Error('flaky backend'); }
  return 'ok';
};
`;

function workspace(
  evalSets: Record<string, unknown> = { nightly: ['rag.first', 'rag.second', 'rag.third'] },
): Promise<string> {
  return makeWorkspace({
    'first.yml': dataset('first', 's1'),
    'second.yml': dataset('second', 's2'),
    'third.yml': dataset('third', 's3'),
    'sut.mjs': SUT,
    'eval-harness.config.json': JSON.stringify({
      datasets: {
        'rag.first': { path: 'first.yml', metrics: ['exact-match'] },
        'rag.second': { path: 'second.yml', metrics: ['exact-match'] },
        'rag.third': { path: 'third.yml', metrics: ['exact-match'] },
      },
      sut: { type: 'module', path: './sut.mjs' },
      evalSets,
    }),
  });
}

const calls = async (dir: string) =>
  (await readFile(join(dir, 'calls.log'), 'utf8')).trim().split('\n');
const manifestOf = async (dir: string) =>
  JSON.parse(await readFile(join(dir, 'm.json'), 'utf8')) as {
    datasets: { dataset: string; status: string; error: string | null }[];
  };

describe('eval-harness run --eval-set (child process)', () => {
  it('stops at a failing dataset, then resumes with --retry-failed without rerunning completed ones', async () => {
    const dir = await workspace();
    const first = await runCli(['run', '--eval-set', 'nightly', '--manifest', 'm.json', '--json'], {
      cwd: dir,
    });
    expect(first.code).toBe(3);
    expect(first.stderr).toContain(
      "eval set 'nightly' stopped at dataset 'rag.second' (failed): System-under-test failed for sample 's2a': flaky backend.",
    );
    expect(first.stderr).toContain('--retry-failed');
    const stopped = await manifestOf(dir);
    expect(stopped.datasets.map((d) => d.status)).toEqual(['completed', 'failed', 'pending']);
    const firstJson = JSON.parse(first.stdout);
    expect(firstJson.schema_version).toBe('eval-harness.eval-set-run.v1');
    // The failed dataset's report is kept: what it scored, its sample error, what did not run.
    expect(firstJson.reports.map((r: { dataset: string }) => r.dataset)).toEqual([
      'rag.first',
      'rag.second',
    ]);
    expect(firstJson.reports[1]).toMatchObject({
      status: 'stopped-on-error',
      sample_errors: [
        { id: 's2a', error: "System-under-test failed for sample 's2a': flaky backend" },
      ],
    });

    const withoutRetry = await runCli(['run', '--eval-set', 'nightly', '--manifest', 'm.json'], {
      cwd: dir,
    });
    expect(withoutRetry.code).toBe(3);
    expect(withoutRetry.stderr).toContain('failed in an earlier run');

    const retried = await runCli(
      [
        'run',
        '--eval-set',
        'nightly',
        '--manifest',
        'm.json',
        '--retry-failed',
        '--json',
        '--junit',
        'junit.xml',
      ],
      { cwd: dir },
    );
    expect(retried.code).toBe(0);
    const output = JSON.parse(retried.stdout);
    expect(Object.keys(output)).toEqual(['schema_version', 'eval_set', 'manifest', 'reports']);
    expect(output.reports.map((r: { dataset: string }) => r.dataset)).toEqual([
      'rag.second',
      'rag.third',
    ]);
    expect(output.reports[0].schema_version).toBe('eval-harness.report.v1');
    expect((await manifestOf(dir)).datasets.map((d) => d.status)).toEqual([
      'completed',
      'completed',
      'completed',
    ]);
    // Dataset 1 ran once in total; dataset 2's first sample twice (the failure, then the retry).
    expect((await calls(dir)).filter((id) => id.startsWith('s1'))).toEqual(['s1a', 's1b']);
    expect((await calls(dir)).filter((id) => id === 's2a')).toHaveLength(2);
    const junit = await readFile(join(dir, 'junit.xml'), 'utf8');
    expect(junit.match(/<testsuite /g)).toHaveLength(2);
  });

  it('prints a Markdown summary table followed by each report', async () => {
    const dir = await workspace({ nightly: ['rag.first', 'rag.third'] });
    const result = await runCli(['run', '--eval-set', 'nightly'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('# Eval set report — nightly');
    expect(result.stdout).toContain(
      '| dataset | status | samples | failures | macro-F1 | duration seconds |',
    );
    expect(result.stdout).toMatch(
      /\| rag\.first \| completed \| 2 \| 0 \| 1\.0000 \| \d+\.\d\d \|/,
    );
    expect(result.stdout.indexOf('# Eval report — rag.first')).toBeLessThan(
      result.stdout.indexOf('# Eval report — rag.third'),
    );
  });

  it('leaves the running dataset running and exits 130 on SIGINT; the next run runs it again', async () => {
    const dir = await workspace();
    const run = await startCli(
      ['run', '--eval-set', 'nightly', '--manifest', 'm.json', '--no-progress'],
      {
        cwd: dir,
        env: { SLOW_SECOND: '1' },
        readyText: '',
      },
    );
    for (let i = 0; i < 100; i++) {
      const manifest = await manifestOf(dir).catch(() => undefined);
      if (manifest?.datasets[1]?.status === 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(run.output()).toContain('rerun with --manifest m.json to resume');
    expect((await manifestOf(dir)).datasets.map((d) => d.status)).toEqual([
      'completed',
      'running',
      'pending',
    ]);
    const resumed = await runCli(
      ['run', '--eval-set', 'nightly', '--manifest', 'm.json', '--retry-failed', '--json'],
      { cwd: dir, env: {} },
    );
    // s2a fails once (the flag file), so the resumed pass records it failed and stops: exit 3,
    // with the stopped dataset's report.
    expect(resumed.code).toBe(3);
    expect(
      JSON.parse(resumed.stdout).reports.map((r: { dataset: string; status: string }) => [
        r.dataset,
        r.status,
      ]),
    ).toEqual([['rag.second', 'stopped-on-error']]);
  });

  it.each([
    [
      { nightly: ['rag.first', 'rag.missing'] },
      "evalSets.nightly: dataset 'rag.missing' is not defined under datasets",
    ],
    [{ nightly: ['rag.first', 'rag.first'] }, "duplicate dataset 'rag.first'"],
    [{ nightly: [' rag.first'] }, 'without leading or trailing whitespace'],
  ])('rejects a broken eval set in the config at load: %j', async (evalSets, fragment) => {
    const dir = await workspace(evalSets);
    const result = await runCli(['run', 'rag.first'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(fragment);
  });

  it('reports usage mistakes with exit 2', async () => {
    const dir = await workspace();
    const cases: [string[], string][] = [
      [['run', '--eval-set', 'weekly'], "Eval set 'weekly' is not defined"],
      [['run', 'rag.first', '--eval-set', 'nightly'], 'either a dataset'],
      [['run', 'rag.first', '--manifest', 'm.json'], '--manifest requires --eval-set'],
      [['run', '--eval-set', 'nightly', '--retry-failed'], '--retry-failed requires --manifest'],
      [['run'], 'run needs a dataset'],
    ];
    for (const [args, fragment] of cases) {
      const result = await runCli(args, { cwd: dir });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(fragment);
    }
    const corrupt = await workspace();
    await writeFile(join(corrupt, 'm.json'), '{not json');
    const bad = await runCli(['run', '--eval-set', 'nightly', '--manifest', 'm.json'], {
      cwd: corrupt,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not valid JSON');
    expect(await stat(join(corrupt, 'calls.log')).catch(() => undefined)).toBeUndefined();
  });

  it('checks every dataset of the set before running the first one', async () => {
    const dir = await workspace();
    await writeFile(join(dir, 'third.yml'), 'name: rag.third\nsamples: {}\n');
    const result = await runCli(
      ['run', '--eval-set', 'nightly', '--manifest', 'm.json', '--out=r.json', '--no-progress'],
      { cwd: dir },
    );
    expect(result.code).toBe(2);
    // One line: the warning about --out's extension is held back, as nothing runs.
    expect(result.stderr).toMatch(/^error: \S*third\.yml: [^\n]+\n$/);
    for (const file of ['calls.log', 'm.json', 'r.json'])
      expect(await stat(join(dir, file)).catch(() => undefined)).toBeUndefined();
  });

  it('loads the config progress reporter before the first dataset runs', async () => {
    const dir = await workspace();
    const configPath = join(dir, 'eval-harness.config.json');
    const config = JSON.parse(await readFile(configPath, 'utf8'));
    config.progress = { reporter: { path: './missing-reporter.mjs' } };
    await writeFile(configPath, JSON.stringify(config));
    const result = await runCli(['run', '--eval-set', 'nightly', '--manifest', 'm.json'], {
      cwd: dir,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^error: Module not found: \S*missing-reporter\.mjs \(from progress\.reporter/,
    );
    for (const file of ['calls.log', 'm.json'])
      expect(await stat(join(dir, file)).catch(() => undefined)).toBeUndefined();
  });

  it('lets two runs with one manifest take turns: the second waits, then finds the set done', async () => {
    const dir = await workspace({ pair: ['rag.first', 'rag.third'] });
    const args = ['run', '--eval-set', 'pair', '--manifest', 'm.json', '--no-progress'];
    const first = runCli(args, { cwd: dir, env: { DELAY_MS: '300' } });
    for (let i = 0; i < 100 && !(await stat(join(dir, 'm.json')).catch(() => undefined)); i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const second = runCli(args, { cwd: dir, env: { DELAY_MS: '300' } });
    const [a, b] = await Promise.all([first, second]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect((await manifestOf(dir)).datasets.map((d) => d.status)).toEqual([
      'completed',
      'completed',
    ]);
    // Every sample ran once: the second run read the manifest only after the first was done.
    expect((await calls(dir)).sort()).toEqual(['s1a', 's1b', 's3a', 's3b']);
  });
});
