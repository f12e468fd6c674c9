// Real redis-server and real `eval-harness worker` processes: the fault behaviour of
// lazy-parallel runs (unreachable Redis, killed workers, restarts, timeouts) only shows there.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  makeWorkspace,
  numberedDatasetYaml,
  runCli,
  runKillingTheWorker,
  startCli,
  type BackgroundCli,
} from '../helpers/cli.js';
import { RedisServer, freePort } from '../helpers/redis-server.js';

let server: RedisServer;
const background: BackgroundCli[] = [];

beforeAll(async () => {
  server = await RedisServer.start();
});

afterEach(async () => {
  for (const worker of background.splice(0)) {
    worker.child.kill('SIGKILL');
    await worker.exited;
  }
});

afterAll(async () => {
  await server.stop();
});

const DATASET = numberedDatasetYaml('qa', 20, (i) => `, metadata: { tags: [t${i % 3}] }`);

async function workspace(sutDelayMs: number, queue: string): Promise<string> {
  return makeWorkspace({
    'qa.yml': DATASET,
    'sut.mjs': `export default async ({ input }) => { await new Promise((r) => setTimeout(r, ${sutDelayMs})); return input.n % 5 === 0 ? 'wrong' : 'answer ' + input.n; };\n`,
    'eval-harness.config.json': JSON.stringify({
      datasets: { qa: { path: 'qa.yml', metrics: ['exact-match', 'rouge-l'] } },
      sut: { type: 'module', path: './sut.mjs' },
      redis: { url: server.url, prefix: `e2e-${queue}` },
    }),
  });
}

async function startWorker(
  cwd: string,
  queue: string,
  env: Record<string, string> = {},
): Promise<BackgroundCli> {
  const worker = await startCli(['worker', '--queue', queue, '--concurrency', '4'], {
    cwd,
    env,
    readyText: 'taking jobs',
  });
  background.push(worker);
  return worker;
}

/** A report without the fields that differ between runs (timings). */
function comparable(report: Record<string, unknown>): Record<string, unknown> {
  const { started_at: _s, finished_at: _f, duration_seconds: _d, ...rest } = report;
  return rest;
}

describe('eval-harness run --batch=lazy-parallel with eval-harness worker processes', () => {
  it('gives the same report in every mode and dispatch strategy, two worker processes for the queue', async () => {
    const dir = await workspace(5, 'same');
    await startWorker(dir, 'same');
    await startWorker(dir, 'same');
    const run = async (flags: string[]) => {
      const result = await runCli(['run', 'qa', ...flags, '--json', '--no-progress'], { cwd: dir });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      return comparable(JSON.parse(result.stdout));
    };
    const serial = await run([]);
    const lazy = ['--batch=lazy-parallel', '--queue', 'same', '--concurrency=8'];
    expect(await run(lazy)).toEqual(serial);
    expect(await run([...lazy, '--dispatch=windowed'])).toEqual(serial);
    expect(await run(['--batch=concurrent', '--concurrency=8'])).toEqual(serial);
    expect(await run(['--batch=concurrent', '--concurrency=8', '--dispatch=windowed'])).toEqual(
      serial,
    );
  });

  it('fails fast, naming the URL, when Redis is unreachable (run and worker)', async () => {
    const dir = await workspace(5, 'down');
    const url = `redis://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const run = await runCli(
      ['run', 'qa', '--batch=lazy-parallel', '--redis-url', url, '--out', 'r.md'],
      { cwd: dir },
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`Cannot reach Redis at ${url}`);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    const worker = await runCli(['worker', '--redis-url', url], { cwd: dir });
    expect(worker.code).toBe(3);
    expect(worker.stderr).toContain(`Cannot reach Redis at ${url}`);
    expect(Date.now() - started).toBeLessThan(10_000 * 2);
    expect(await stat(join(dir, 'r.md')).catch(() => undefined)).toBeUndefined();
  });

  it('names the missing samples at the batch timeout and warns that no worker is connected', async () => {
    const dir = await workspace(5, 'none');
    const result = await runCli(
      [
        'run',
        'qa',
        '--batch=lazy-parallel',
        '--queue',
        'none',
        '--concurrency=4',
        '--batch-timeout=3',
        '--out',
        'r.json',
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("warning: no worker is connected to queue 'none'");
    expect(result.stderr).toContain(
      'did not produce outputs within 3 seconds for sample ids: s0, s1, s2, s3',
    );
    expect(await stat(join(dir, 'r.json')).catch(() => undefined)).toBeUndefined();
  });

  it('ends the run on the first job when a worker runs another SUT, naming both', async () => {
    const producerDir = await workspace(5, 'stale');
    // Same config, but the worker's SUT module was never redeployed: its code differs.
    const workerDir = await workspace(6, 'stale');
    await startWorker(workerDir, 'stale');
    const result = await runCli(
      [
        'run',
        'qa',
        '--batch=lazy-parallel',
        '--queue',
        'stale',
        '--concurrency=4',
        '--no-progress',
      ],
      { cwd: producerDir },
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /stale worker: it runs eval-harness [0-9.]+ with SUT [0-9a-f]{12}, but the job was queued by eval-harness [0-9.]+ with SUT [0-9a-f]{12}; redeploy the workers/,
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('recovers the jobs of a worker killed with SIGKILL mid-batch', async () => {
    const dir = await workspace(400, 'kill');
    const result = await runKillingTheWorker(dir, 'kill', (env) => startWorker(dir, 'kill', env));
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(
      report.samples.map(
        (s: { id: string; actual_output: string }) => `${s.id}=${s.actual_output}`,
      ),
    ).toEqual(
      Array.from({ length: 20 }, (_, i) => `s${i}=${i % 5 === 0 ? 'wrong' : `answer ${i}`}`),
    );
  });

  it('survives a Redis restart mid-run or exits 3 clearly, never hanging and never writing a partial report', async () => {
    const dir = await workspace(150, 'restart');
    await startWorker(dir, 'restart');
    const started = Date.now();
    const run = runCli(
      [
        'run',
        'qa',
        '--batch=lazy-parallel',
        '--queue',
        'restart',
        '--concurrency=4',
        '--batch-timeout=4',
        '--json',
        '--out',
        'r.json',
        '--no-progress',
      ],
      { cwd: dir },
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    await server.restart(300);
    const result = await run;
    expect([0, 3]).toContain(result.code);
    // Within one window budget of the restart (plus start-up), not stuck on a dead connection.
    expect(Date.now() - started).toBeLessThan(4000 * 6);
    if (result.code === 0) {
      expect(JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')).total_samples).toBe(20);
    } else {
      expect(result.stderr).toMatch(/error: .*(did not produce outputs|Redis|lazy parallel)/);
      expect(await stat(join(dir, 'r.json')).catch(() => undefined)).toBeUndefined();
    }
  });

  it('a worker drains and exits 0 on SIGTERM', async () => {
    const dir = await workspace(5, 'term');
    const worker = await startWorker(dir, 'term');
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain('worker: stopped');
  });

  it('runs with --local-workers in one process, and refuses --sut', async () => {
    const dir = await workspace(5, 'local');
    const result = await runCli(
      [
        'run',
        'qa',
        '--batch=lazy-parallel',
        '--queue',
        'local',
        '--local-workers=4',
        '--concurrency=8',
        '--json',
        '--no-progress',
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).total_samples).toBe(20);
    const withSut = await runCli(['run', 'qa', '--batch=lazy-parallel', '--sut', 'sut.mjs'], {
      cwd: dir,
    });
    expect(withSut.code).toBe(2);
    expect(withSut.stderr).toContain('--sut runs in-process only');
    const localWithoutLazy = await runCli(['run', 'qa', '--local-workers=2'], { cwd: dir });
    expect(localWithoutLazy.code).toBe(2);
    expect(localWithoutLazy.stderr).toContain('--local-workers requires --batch=lazy-parallel');
  });
});
