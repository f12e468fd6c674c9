// `npm run bench -- queue`: lazy-parallel through the CLI against a raw BullMQ baseline, on one
// redis-server started here on a free port.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { timeCli } from './core.mjs';
import { BIN, OUT_DIR, median } from './util.mjs';

/** Rounds of each comparison; the figures printed are medians. */
const ROUNDS = 3;

const SUT = new URL('./bench-sut.mjs', import.meta.url).pathname;
const RAW_WORKER = new URL('./raw-bullmq-worker.mjs', import.meta.url).pathname;

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function startProcess(command, args, readyText, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk;
      if (output.includes(readyText)) resolve(child);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${command} exited ${code}: ${output}`)));
  });
}

async function stopProcess(child) {
  if (child.exitCode !== null) return;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

function writeWorkspace(name, count, latencyMs, redisUrl) {
  const dir = join(OUT_DIR, name);
  mkdirSync(dir, { recursive: true });
  const samples = Array.from({ length: count }, (_, i) => ({
    id: `s${i}`,
    input: { latencyMs, answer: 'ok' },
    expected_output: 'ok',
  }));
  writeFileSync(join(dir, 'dataset.json'), JSON.stringify({ name, samples }));
  writeFileSync(
    join(dir, 'eval-harness.config.json'),
    JSON.stringify({
      datasets: { [name]: { path: 'dataset.json', metrics: ['exact-match'] } },
      sut: { type: 'module', path: SUT },
      redis: { url: redisUrl, prefix: 'bench' },
    }),
  );
  return dir;
}

async function withWorkers(dir, count, concurrency, queue, body) {
  const workers = [];
  for (let i = 0; i < count; i++) {
    workers.push(
      await startProcess(
        process.execPath,
        [BIN, 'worker', '--queue', queue, '--concurrency', String(concurrency)],
        'taking jobs',
        { cwd: dir },
      ),
    );
  }
  try {
    return await body();
  } finally {
    await Promise.all(workers.map(stopProcess));
  }
}

/**
 * One lazy-parallel run through the CLI. Besides the wall time, the JSON report's
 * duration_seconds: the batch itself (dispatch, collection, scoring), without process start-up,
 * dataset load and Redis connection, which is what the raw baseline's clock covers too.
 */
async function runLazy(dir, name, flags) {
  const report = join(dir, 'report.json');
  const result = await timeCli([
    'run',
    name,
    '-c',
    join(dir, 'eval-harness.config.json'),
    '--batch=lazy-parallel',
    '--no-progress',
    '--json',
    '--out',
    report,
    ...flags,
  ]);
  if (result.code !== 0) throw new Error(`eval-harness exited ${result.code}: ${result.stderr}`);
  const batchMs = JSON.parse(readFileSync(report, 'utf8')).duration_seconds * 1000;
  return { ...result, batchMs };
}

/**
 * Raw BullMQ doing the same work: 2 worker processes writing results to a hash. Without a
 * window, one addBulk of everything and a poll of the hash; with one, eval-harness's
 * window-then-wait rule (addBulk a window, wait for its pub/sub notices, next window).
 */
async function rawBaseline(redisUrl, { count, latencyMs = 0, workerConcurrency, window }) {
  const queueName = `raw-bench-${latencyMs}-${window ?? 'all'}`;
  const batch = `b-${queueName}`;
  const workers = [];
  for (let i = 0; i < 2; i++)
    workers.push(
      await startProcess(
        process.execPath,
        [RAW_WORKER, redisUrl, queueName, String(workerConcurrency)],
        'raw worker ready',
      ),
    );
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const subscriber = new Redis(redisUrl);
  const queue = new Queue(queueName, { connection, prefix: 'raw' });
  const job = (index) => ({
    name: 'sample',
    data: { batch, index, id: `s${index}`, latencyMs, notify: window !== undefined },
    opts: { removeOnComplete: true },
  });
  try {
    let noticed = 0;
    let wake = () => undefined;
    await connection.del(`raw:${batch}`);
    await subscriber.subscribe(`raw:${batch}:events`);
    subscriber.on('message', () => {
      noticed++;
      wake();
    });
    const started = performance.now();
    if (window === undefined) {
      await queue.addBulk(Array.from({ length: count }, (_, index) => job(index)));
      while ((await connection.hlen(`raw:${batch}`)) < count)
        await new Promise((resolve) => setTimeout(resolve, 5));
    } else {
      for (let start = 0; start < count; start += window) {
        const end = Math.min(start + window, count);
        const jobs = [];
        for (let index = start; index < end; index++) jobs.push(job(index));
        await queue.addBulk(jobs);
        while (noticed < end) await new Promise((resolve) => (wake = resolve));
      }
    }
    return performance.now() - started;
  } finally {
    await queue.close();
    connection.disconnect();
    subscriber.disconnect();
    await Promise.all(workers.map(stopProcess));
  }
}

/**
 * Run one case ROUNDS times, eval-harness (2 worker processes) and raw BullMQ (window by window
 * and all at once) interleaved so drift on a shared machine hits them alike. Returns the median
 * milliseconds of each figure.
 */
async function compareWithRaw(redisUrl, { name, count, latencyMs, window, workerConcurrency }) {
  const dir = writeWorkspace(name, count, latencyMs, redisUrl);
  const config = join(dir, 'eval-harness.config.json');
  const raw = { count, latencyMs, workerConcurrency };
  const columns = {};
  const add = (key, ms) => (columns[key] ??= []).push(ms);
  for (let round = 0; round < ROUNDS; round++) {
    const startup = (await timeCli(['run', name, '-c', config, '--dry-run'])).wallMs;
    const ours = await withWorkers(dir, 2, workerConcurrency, name, () =>
      runLazy(dir, name, ['--queue', name, `--concurrency=${window}`]),
    );
    add('startup', startup);
    add('wall', ours.wallMs);
    add('net', ours.wallMs - startup);
    add('batch', ours.batchMs);
    add('rawWindowed', await rawBaseline(redisUrl, { ...raw, window }));
    add('rawAll', await rawBaseline(redisUrl, raw));
  }
  return Object.fromEntries(Object.entries(columns).map(([key, values]) => [key, median(values)]));
}

/** The five rows of a comparison; `figure(ms)` says what the time means for this case. */
function printRows(medians, window, figure) {
  const rows = [
    ['eval-harness, whole CLI process', medians.wall],
    [`eval-harness, less ${medians.startup.toFixed(0)} ms of start-up + dataset load`, medians.net],
    ['eval-harness, the batch (report duration_seconds)', medians.batch],
    [`raw BullMQ, window by window (${window})`, medians.rawWindowed],
    ['raw BullMQ, one addBulk of everything', medians.rawAll],
  ];
  for (const [label, ms] of rows)
    console.log(`    ${label.padEnd(56)} ${(ms / 1000).toFixed(2)} s  ${figure(ms)}`);
}

export async function benchQueue() {
  mkdirSync(OUT_DIR, { recursive: true });
  const port = await freePort();
  const redis = await startProcess(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    'Ready to accept connections',
  );
  const redisUrl = `redis://127.0.0.1:${port}`;
  const client = new Redis(redisUrl);
  try {
    console.log(`queue: lazy-parallel through the CLI on redis-server ${redisUrl}`);

    // 1. 10,000 no-op samples: eval-harness against raw BullMQ doing the same work.
    const noop = await compareWithRaw(redisUrl, {
      name: 'queue-noop',
      count: 10_000,
      latencyMs: 0,
      window: 500,
      workerConcurrency: 50,
    });
    const rate = (ms) => 10_000 / (ms / 1000);
    console.log(
      `  10,000 no-op samples, --concurrency=500, 2 worker processes x 50; medians of ${ROUNDS} rounds (target >= 70 % of raw):`,
    );
    printRows(
      noop,
      500,
      (ms) =>
        `${Math.round(rate(ms)).toLocaleString('en').padStart(6)} samples/s  ${((rate(ms) / rate(noop.rawAll)) * 100).toFixed(0).padStart(3)} % of raw`,
    );

    // 2. 2,000 samples x 50 ms, concurrency 64: ideal = ceil(2000 / 64) x 50 ms.
    const slow = await compareWithRaw(redisUrl, {
      name: 'queue-slow',
      count: 2000,
      latencyMs: 50,
      window: 64,
      workerConcurrency: 32,
    });
    const ideal = Math.ceil(2000 / 64) * 50;
    console.log(
      `  2,000 samples x 50 ms, --concurrency=64, 2 worker processes x 32; ideal ${(ideal / 1000).toFixed(2)} s; medians of ${ROUNDS} rounds (target >= 80 % efficiency):`,
    );
    printRows(slow, 64, (ms) => `${((ideal / ms) * 100).toFixed(0).padStart(3)} % efficiency`);

    // 3. Redis memory before and after a 100,000-sample batch.
    await client.flushall();
    const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await client.info('memory'))[1]);
    const before = await usedMemory();
    const big = writeWorkspace('queue-100k', 100_000, 0, redisUrl);
    await withWorkers(big, 2, 50, 'big', () =>
      runLazy(big, 'queue-100k', ['--queue', 'big', '--concurrency=500', '--batch-timeout=120']),
    );
    const after = await usedMemory();
    console.log(
      `  Redis used_memory before / after a finished 100,000-sample batch: ${(before / 1024 / 1024).toFixed(1)} MiB / ${(after / 1024 / 1024).toFixed(1)} MiB (completed jobs are removed; results stay until their TTL)`,
    );
  } finally {
    client.disconnect();
    await stopProcess(redis);
  }
}
