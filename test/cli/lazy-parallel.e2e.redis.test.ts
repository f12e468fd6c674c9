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
import { openLazyParallelSession } from '../../src/batches/index.js';

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
    // The SUT leaves a marker when first called, so a test can act once the batch is running.
    'sut.mjs': `import { writeFileSync } from 'node:fs';\nexport default async ({ input }) => { writeFileSync('sut-called', ''); await new Promise((r) => setTimeout(r, ${sutDelayMs})); return input.n % 5 === 0 ? 'wrong' : 'answer ' + input.n; };\n`,
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
        '--json',
        '--out',
        'r.json',
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("warning: no worker is connected to queue 'none'");
    expect(result.stderr).toContain(
      "sample error: No outcome for sample 's0' within the batch wait timeout of 3 seconds.",
    );
    // The report says what happened to every sample: four late, the rest never dispatched.
    const report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'));
    expect(report.status).toBe('stopped-on-error');
    expect(report.sample_errors.map((e: { id: string }) => e.id)).toEqual(['s0', 's1', 's2', 's3']);
    expect(report.not_run).toHaveLength(report.dataset_samples - 4);
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
    expect(result.stderr).toMatch(/^error: qa: Run stopped on an error: /m);
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

  it('survives a Redis restart mid-run or exits 3 clearly, never hanging, with a report that says how it ended', async () => {
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
    // Restart once the batch is running (a worker called the SUT), however slow start-up is.
    for (let waited = 0; waited < 10_000; waited += 25) {
      if ((await stat(join(dir, 'sut-called')).catch(() => undefined)) !== undefined) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await server.restart(300);
    const result = await run;
    expect([0, 3]).toContain(result.code);
    // Within one window budget of the restart (plus start-up), not stuck on a dead connection.
    expect(Date.now() - started).toBeLessThan(4000 * 6);
    if (result.code === 0) {
      expect(JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')).total_samples).toBe(20);
    } else {
      expect(result.stderr).toMatch(/error: .*Run stopped on an error/);
      const report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'));
      expect(report.status).toBe('stopped-on-error');
      expect(report.total_samples + report.errored_samples + report.not_run_samples).toBe(20);
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

/** A workspace whose module SUT logs "<ms since epoch> <id>" per call and behaves as `body` says. */
async function loggingWorkspace(queue: string, count: number, body: string): Promise<string> {
  return makeWorkspace({
    'qa.yml': [
      'name: qa',
      'samples:',
      ...Array.from(
        { length: count },
        (_, i) => `  - { id: s${i}, input: { n: ${i} }, expected_output: x }`,
      ),
    ].join('\n'),
    'sut.mjs': `import { appendFileSync } from 'node:fs';\nexport default async ({ id }) => { appendFileSync('calls.log', Date.now() + ' ' + id + '\\n'); ${body} return 'x'; };\n`,
    'eval-harness.config.json': JSON.stringify({
      datasets: { qa: { path: 'qa.yml', metrics: ['exact-match'] } },
      sut: { type: 'module', path: './sut.mjs' },
      redis: { url: server.url, prefix: `e2e-${queue}` },
    }),
  });
}

const loggedCalls = async (dir: string) =>
  (await readFile(join(dir, 'calls.log'), 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [at, id] = line.split(' ');
      return { at: Number(at), id: id as string };
    });

describe('lazy-parallel runs whose SUT fails, hangs or is interrupted', () => {
  it('records a failing sample as its error: exit 3 by default, exit 1 with --max-errors', async () => {
    const dir = await loggingWorkspace(
      'fails',
      12,
      "if (id === 's4') throw new Error('529 overloaded');",
    );
    await startWorker(dir, 'fails');
    const lazy = [
      'run',
      'qa',
      '--batch=lazy-parallel',
      '--queue=fails',
      '--concurrency=2',
      '--json',
    ];
    const stopped = await runCli([...lazy, '--out', 'r.json', '--no-progress'], { cwd: dir });
    expect(stopped.code).toBe(3);
    const report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'));
    expect(report.status).toBe('stopped-on-error');
    expect(report.sample_errors).toEqual([
      {
        id: 's4',
        error: "Lazy parallel batch job for sample 's4' failed: 529 overloaded.",
        attempts: 1,
      },
    ]);
    expect(report.not_run.length).toBeGreaterThan(0);
    const goOn = await runCli([...lazy, '--max-errors=1', '--no-progress'], { cwd: dir });
    expect(goOn.code).toBe(1);
    const all = JSON.parse(goOn.stdout);
    expect([all.status, all.total_samples, all.errored_samples]).toEqual(['complete', 11, 1]);
  });

  it('times out a SUT promise that never settles in the worker (--sut-timeout travels with the job)', async () => {
    const dir = await loggingWorkspace('hangs', 3, "if (id === 's1') await new Promise(() => {});");
    await startWorker(dir, 'hangs');
    const result = await runCli(
      [
        'run',
        'qa',
        '--batch=lazy-parallel',
        '--queue=hangs',
        '--sut-timeout=1',
        '--json',
        '--out',
        'r.json',
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      "sample error: Lazy parallel batch job for sample 's1' failed: the system under test timed out after 1 second.",
    );
    expect(JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')).sample_errors).toHaveLength(1);
  });

  it('Ctrl-C leaves no job in the queue and no SUT call after the interrupt; the partial report is written', async () => {
    const dir = await loggingWorkspace(
      'ctrlc',
      40,
      'await new Promise((r) => setTimeout(r, 150));',
    );
    const worker = await startWorker(dir, 'ctrlc');
    const run = await startCli(
      [
        'run',
        'qa',
        '--batch=lazy-parallel',
        '--queue=ctrlc',
        '--concurrency=6',
        '--json',
        '--out',
        'r.json',
        '--no-progress',
      ],
      { cwd: dir, readyText: '' },
    );
    for (let i = 0; i < 200 && (await loggedCalls(dir)).length < 8; i++)
      await new Promise((resolve) => setTimeout(resolve, 25));
    const interruptedAt = Date.now();
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    // Whatever a worker would pick up now is gone: the waiting jobs were taken back and the
    // batch aborted, so nothing new starts after the interrupt.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const calls = await loggedCalls(dir);
    expect(calls.filter((call) => call.at > interruptedAt + 200)).toEqual([]);
    const session = await openLazyParallelSession({
      redis: server.url,
      prefix: 'e2e-ctrlc',
      queueName: 'ctrlc',
    });
    try {
      expect(await session.queue.getWaitingCount()).toBe(0);
      expect(await session.queue.getActiveCount()).toBe(0);
    } finally {
      await session.close();
    }
    const report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'));
    expect(report.status).toBe('interrupted');
    expect(report.total_samples).toBeGreaterThanOrEqual(8);
    expect(report.total_samples + report.not_run_samples).toBe(40);
    expect(worker.output()).not.toContain('failed');
  });
});

describe('a SUT per dataset over the queue', () => {
  it("sends each dataset's jobs to its own SUT in the worker, and refuses a worker whose copy differs", async () => {
    const files = (ownAnswer: string) => ({
      'qa.yml': DATASET,
      'own.yml': 'name: own\nsamples:\n  - { id: o1, input: {}, expected_output: mine }\n',
      'sut.mjs': "export default ({ input }) => 'answer ' + input.n;\n",
      'own.mjs': `export default () => '${ownAnswer}';\n`,
      'eval-harness.config.json': JSON.stringify({
        datasets: {
          qa: { path: 'qa.yml', metrics: ['exact-match'] },
          own: {
            path: 'own.yml',
            metrics: ['exact-match'],
            sut: { type: 'module', path: './own.mjs' },
          },
        },
        sut: { type: 'module', path: './sut.mjs' },
        redis: { url: server.url, prefix: 'e2e-own' },
      }),
    });
    const dir = await makeWorkspace(files('mine'));
    await startWorker(dir, 'own');
    const lazy = ['--batch=lazy-parallel', '--queue=own', '--json', '--no-progress'];
    const own = await runCli(['run', 'own', ...lazy], { cwd: dir });
    expect(own.code).toBe(0);
    expect(JSON.parse(own.stdout).samples[0].actual_output).toBe('mine');
    const qa = await runCli(['run', 'qa', ...lazy], { cwd: dir });
    expect(qa.code).toBe(0);
    expect(JSON.parse(qa.stdout).metrics['exact-match'].mean).toBe(1);
    // A producer whose 'own' SUT is another module: the worker's copy is stale for it.
    const other = await makeWorkspace(files('yours'));
    const stale = await runCli(['run', 'own', ...lazy], { cwd: other });
    expect(stale.code).toBe(3);
    expect(stale.stderr).toMatch(
      /stale worker: it runs eval-harness [0-9.]+ with SUT [0-9a-f]{12}/,
    );
  });
});
