// `npm run bench -- queue`: lazy-parallel through the CLI against a raw BullMQ baseline, on one
// redis-server started here on a free port.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { timeCli } from './core.mjs';
import { BIN, OUT_DIR, longTailLatencies, median } from './util.mjs';

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

/** A workspace whose dataset carries each sample's SUT latency (`latencies[i]` ms). */
function writeWorkspace(name, latencies, redisUrl) {
  const dir = join(OUT_DIR, name);
  mkdirSync(dir, { recursive: true });
  const samples = latencies.map((latencyMs, i) => ({
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
 * Raw BullMQ doing the same work: 2 worker processes writing results to a hash, one addBulk of
 * everything and a poll of the hash. No producer window at all: the most a queue can do here.
 */
async function rawBaseline(redisUrl, { latencies, workerConcurrency }) {
  const queueName = `raw-bench-${latencies.length}-${latencies[0]}`;
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
  const queue = new Queue(queueName, { connection, prefix: 'raw' });
  try {
    await connection.del(`raw:${batch}`);
    const started = performance.now();
    await queue.addBulk(
      latencies.map((latencyMs, index) => ({
        name: 'sample',
        data: { batch, index, id: `s${index}`, latencyMs },
        opts: { removeOnComplete: true },
      })),
    );
    while ((await connection.hlen(`raw:${batch}`)) < latencies.length)
      await new Promise((resolve) => setTimeout(resolve, 5));
    return performance.now() - started;
  } finally {
    await queue.close();
    connection.disconnect();
    await Promise.all(workers.map(stopProcess));
  }
}

/**
 * Run one case ROUNDS times: eval-harness rolling and windowed (2 worker processes each) and raw
 * BullMQ, interleaved so drift on a shared machine hits them alike. Returns the median
 * milliseconds of each figure.
 */
async function compareWithRaw(redisUrl, { name, latencies, concurrency, workerConcurrency }) {
  const dir = writeWorkspace(name, latencies, redisUrl);
  const config = join(dir, 'eval-harness.config.json');
  const columns = {};
  const add = (key, ms) => (columns[key] ??= []).push(ms);
  for (let round = 0; round < ROUNDS; round++) {
    const startup = (await timeCli(['run', name, '-c', config, '--dry-run'])).wallMs;
    add('startup', startup);
    for (const dispatch of ['rolling', 'windowed']) {
      const ours = await withWorkers(dir, 2, workerConcurrency, name, () =>
        runLazy(dir, name, [
          '--queue',
          name,
          `--concurrency=${concurrency}`,
          `--dispatch=${dispatch}`,
          '--batch-timeout=120',
        ]),
      );
      add(`${dispatch}Wall`, ours.wallMs);
      add(`${dispatch}Net`, ours.wallMs - startup);
      add(`${dispatch}Batch`, ours.batchMs);
    }
    add('rawAll', await rawBaseline(redisUrl, { latencies, workerConcurrency }));
  }
  return Object.fromEntries(Object.entries(columns).map(([key, values]) => [key, median(values)]));
}

/** The rows of a comparison; `figure(ms)` says what the time means for this case. */
function printRows(medians, figure) {
  const rows = [];
  for (const dispatch of ['rolling', 'windowed']) {
    rows.push(
      [`${dispatch}: whole CLI process`, medians[`${dispatch}Wall`]],
      [
        `${dispatch}: less ${medians.startup.toFixed(0)} ms of start-up + dataset load`,
        medians[`${dispatch}Net`],
      ],
      [`${dispatch}: the batch (report duration_seconds)`, medians[`${dispatch}Batch`]],
    );
  }
  rows.push(['raw BullMQ, one addBulk of everything', medians.rawAll]);
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
      latencies: new Array(10_000).fill(0),
      concurrency: 500,
      workerConcurrency: 50,
    });
    const rate = (ms) => 10_000 / (ms / 1000);
    console.log(
      `  10,000 no-op samples, --concurrency=500, 2 worker processes x 50; medians of ${ROUNDS} rounds (target: rolling batch >= 85 % of raw: ${rate(noop.rollingBatch) >= 0.85 * rate(noop.rawAll) ? 'ok' : 'BELOW TARGET'}):`,
    );
    printRows(
      noop,
      (ms) =>
        `${Math.round(rate(ms)).toLocaleString('en').padStart(6)} samples/s  ${((rate(ms) / rate(noop.rawAll)) * 100).toFixed(0).padStart(3)} % of raw`,
    );

    // 2. 2,000 samples x 50 ms, concurrency 64: ideal = 2000 x 50 ms / 64.
    const slow = await compareWithRaw(redisUrl, {
      name: 'queue-slow',
      latencies: new Array(2000).fill(50),
      concurrency: 64,
      workerConcurrency: 32,
    });
    const ideal = (2000 * 50) / 64;
    const slowTarget = slow.rollingBatch <= slow.rawAll / 0.95;
    console.log(
      `  2,000 samples x 50 ms, --concurrency=64, 2 worker processes x 32; ideal ${(ideal / 1000).toFixed(2)} s; medians of ${ROUNDS} rounds (target: rolling batch efficiency >= 95 % of raw's: ${slowTarget ? 'ok' : 'BELOW TARGET'}):`,
    );
    printRows(slow, (ms) => `${((ideal / ms) * 100).toFixed(0).padStart(3)} % of ideal`);

    // 3. The long tail of the producer bench: 1,000 x 20-500 ms, concurrency 50.
    const tail = longTailLatencies(1000);
    const tailIdeal = Math.max(tail.reduce((a, b) => a + b, 0) / 50, Math.max(...tail));
    const tailed = await compareWithRaw(redisUrl, {
      name: 'queue-tail',
      latencies: tail,
      concurrency: 50,
      workerConcurrency: 25,
    });
    console.log(
      `  1,000 samples x 20-500 ms, --concurrency=50, 2 worker processes x 25; ideal ${(tailIdeal / 1000).toFixed(2)} s; medians of ${ROUNDS} rounds (target: rolling batch >= 85 % of ideal: ${tailIdeal / tailed.rollingBatch >= 0.85 ? 'ok' : 'BELOW TARGET'}):`,
    );
    printRows(tailed, (ms) => `${((tailIdeal / ms) * 100).toFixed(0).padStart(3)} % of ideal`);

    // 4. Redis memory before and after a 100,000-sample batch.
    await client.flushall();
    const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await client.info('memory'))[1]);
    const before = await usedMemory();
    const big = writeWorkspace('queue-100k', new Array(100_000).fill(0), redisUrl);
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
