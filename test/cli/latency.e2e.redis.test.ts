// The latency check from the built CLI: the harness measures each SUT call's wall time in every
// batch mode (over the queue too, where the worker measures it), and saved outputs carry none.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkspace, runCli } from '../helpers/cli.js';
import { RedisServer } from '../helpers/redis-server.js';

let server: RedisServer;

beforeAll(async () => {
  server = await RedisServer.start();
});

afterAll(async () => {
  await server.stop();
});

async function workspace(): Promise<string> {
  return makeWorkspace({
    'qa.yml': [
      'name: qa',
      'metrics: [exact-match]',
      'samples:',
      // Two samples take 150 ms: one must answer within 5 s, the other (late) within 50 ms.
      '  - { id: slow, input: { n: 1 }, expected_output: ok, assert: [{ latency: 5000 }] }',
      '  - { id: fast, input: { n: 2 }, expected_output: ok, assert: [{ latency: 2000 }] }',
      '  - { id: late, input: { n: 3 }, expected_output: ok, assert: [{ latency: 50 }] }',
    ].join('\n'),
    'sut.mjs':
      "export default async ({ input }) => { await new Promise((r) => setTimeout(r, input.n === 2 ? 0 : 150)); return 'ok'; };\n",
    'eval-harness.config.json': JSON.stringify({
      datasets: { qa: { path: 'qa.yml' } },
      sut: { type: 'module', path: './sut.mjs' },
      redis: { url: server.url, prefix: 'latency' },
    }),
  });
}

const latencyScores = (stdout: string) =>
  Object.fromEntries(
    (JSON.parse(stdout).samples as { id: string; scores: Record<string, { score: number }> }[]).map(
      (sample) => [sample.id, sample.scores['latency']?.score],
    ),
  );

describe('the latency check', () => {
  it.each([
    [[]],
    [['-j', '3']],
    [['--batch=lazy-parallel', '--local-workers=2', '--concurrency=3', '--queue', 'latency']],
  ])('passes a sample that answered in time and fails one that did not (%j)', async (flags) => {
    const dir = await workspace();
    const result = await runCli(['run', 'qa', '--json', '--no-progress', ...flags], { cwd: dir });
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(latencyScores(result.stdout)).toEqual({ slow: 1, fast: 1, late: 0 });
    const late = JSON.parse(result.stdout).samples[2].scores['latency'].details;
    expect(late.max_ms).toBe(50);
    expect(late.latency_ms).toBeGreaterThanOrEqual(140);
  });

  it('is a metric failure, never a pass, for saved outputs, which carry no latency', async () => {
    const dir = await workspace();
    await writeFile(
      join(dir, 'outputs.json'),
      JSON.stringify({ outputs: { slow: 'ok', fast: 'ok', late: 'ok' } }),
    );
    const result = await runCli(['run', 'qa', '--outputs', 'outputs.json', '--json'], { cwd: dir });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.failures).toHaveLength(3);
    expect(report.failures[0].error).toContain('has no measured latency');
  });
});
