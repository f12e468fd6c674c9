// `--repeat` through the built CLI: the same per-sample means serially, concurrently and over the
// queue, the config's per-dataset repeat, the gates on pass_all, and the usage errors.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkspace, numberedDatasetYaml, runCli } from '../helpers/cli.js';
import { RedisServer } from '../helpers/redis-server.js';

let server: RedisServer;

beforeAll(async () => {
  server = await RedisServer.start();
});

afterAll(async () => {
  await server.stop();
});

/** s1 is always wrong; s2 is right on its first call only; the others always right. */
const SUT = `import { appendFileSync } from 'node:fs';
const calls = new Map();
export default async ({ id, input }) => {
  appendFileSync('calls.log', id + '\\n');
  const call = (calls.get(id) ?? 0) + 1;
  calls.set(id, call);
  await new Promise((r) => setTimeout(r, 2));
  return id === 's1' || (id === 's2' && call > 1) ? 'wrong' : 'answer ' + input.n;
};
`;

async function workspace(repeat?: number): Promise<string> {
  return makeWorkspace({
    'qa.yml': numberedDatasetYaml('qa', 4),
    'sut.mjs': SUT,
    'eval-harness.config.json': JSON.stringify({
      datasets: {
        qa: {
          path: 'qa.yml',
          metrics: ['exact-match'],
          ...(repeat === undefined ? {} : { repeat }),
        },
      },
      sut: { type: 'module', path: './sut.mjs' },
      redis: { url: server.url, prefix: 'e2e-repeat' },
    }),
  });
}

const callCount = async (dir: string) =>
  (await readFile(join(dir, 'calls.log'), 'utf8')).trim().split('\n').length;

describe('eval-harness run --repeat', () => {
  it('gives the same per-sample means in serial, concurrent and lazy-parallel runs', async () => {
    const means: unknown[] = [];
    for (const flags of [
      [],
      ['--batch=concurrent', '--concurrency=3'],
      ['--batch=lazy-parallel', '--local-workers=2', '--concurrency=3', '--queue=repeat'],
    ]) {
      const dir = await workspace();
      const result = await runCli(
        ['run', 'qa', '--repeat=3', '--json', '--no-progress', ...flags],
        {
          cwd: dir,
        },
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(await callCount(dir)).toBe(12);
      const report = JSON.parse(result.stdout);
      expect(report.samples.map((s: { repeats: unknown[] }) => s.repeats.length)).toEqual([
        3, 3, 3, 3,
      ]);
      means.push(
        report.samples.map(
          (s: { scores: Record<string, { score: number }> }) => s.scores['exact-match']?.score,
        ),
      );
      expect(report.metrics['exact-match']).toMatchObject({
        pass_all: 0.5,
        pass_any: 0.75,
        flaky_samples: 1,
      });
    }
    expect(means[0]).toEqual([1, 0, 1 / 3, 1]);
    expect(means.slice(1)).toEqual([means[0], means[0]]);
  });

  it('takes repeat from the config dataset, lets --repeat win, and gates on pass_all', async () => {
    const dir = await workspace(2);
    const gated = await runCli(
      ['run', 'qa', '--no-progress', '--fail-under', 'exact-match:pass_all=0.9'],
      { cwd: dir },
    );
    expect(await callCount(dir)).toBe(8);
    expect(gated.code).toBe(1);
    expect(gated.stderr).toContain(
      'Score gate failed (qa): exact-match:pass_all is 0.5000, below --fail-under 0.9',
    );
    expect(gated.stdout).toContain('## Repeats');
    expect(gated.stdout).toContain('- flaky on <code>exact-match</code>: <code>s2</code>');
    const plan = await runCli(['run', 'qa', '--repeat=5', '--dry-run', '--json'], { cwd: dir });
    expect(JSON.parse(plan.stdout).datasets[0].repeat).toBe(5);
  });

  it('refuses a bad count and saved outputs with one line and exit 2', async () => {
    const dir = await workspace();
    for (const [args, message] of [
      [['--repeat=0'], 'error: The --repeat option must be a positive integer.\n'],
      [
        ['--repeat=2', '--outputs=missing.json'],
        'error: --repeat calls the SUT several times per sample, but --outputs scores saved answers (one per sample); drop one of them.\n',
      ],
    ] as const) {
      const result = await runCli(['run', 'qa', ...args], { cwd: dir });
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(message);
    }
  });
});
