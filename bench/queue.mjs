// `npm run bench -- queue`: lazy-parallel through the CLI against a raw BullMQ baseline, on one
// redis-server started here on a free port.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { timeCli } from './core.mjs';
import { BIN, OUT_DIR } from './util.mjs';

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

async function runLazy(dir, name, flags) {
  const result = await timeCli([
    'run',
    name,
    '-c',
    join(dir, 'eval-harness.config.json'),
    '--batch=lazy-parallel',
    '--no-progress',
    '--out',
    join(dir, 'report.md'),
    ...flags,
  ]);
  if (result.code !== 0) throw new Error(`eval-harness exited ${result.code}: ${result.stderr}`);
  return result;
}

async function rawBaseline(redisUrl, count) {
  const queueName = 'raw-bench';
  const workers = [];
  for (let i = 0; i < 2; i++)
    workers.push(
      await startProcess(
        process.execPath,
        [RAW_WORKER, redisUrl, queueName, '50'],
        'raw worker ready',
      ),
    );
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(queueName, { connection, prefix: 'raw' });
  try {
    const started = performance.now();
    await queue.addBulk(
      Array.from({ length: count }, (_, index) => ({
        name: 'sample',
        data: { batch: 'b1', index, id: `s${index}` },
        opts: { removeOnComplete: true },
      })),
    );
    while ((await connection.hlen('raw:b1')) < count)
      await new Promise((resolve) => setTimeout(resolve, 5));
    return performance.now() - started;
  } finally {
    await queue.close();
    connection.disconnect();
    await Promise.all(workers.map(stopProcess));
  }
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
    const noop = writeWorkspace('queue-noop', 10_000, 0, redisUrl);
    const startup = (
      await timeCli([
        'run',
        'queue-noop',
        '-c',
        join(noop, 'eval-harness.config.json'),
        '--dry-run',
      ])
    ).wallMs;
    const ours = await withWorkers(noop, 2, 50, 'noop', () =>
      runLazy(noop, 'queue-noop', ['--queue', 'noop', '--concurrency=500']),
    );
    const rawMs = await rawBaseline(redisUrl, 10_000);
    const oursRate = 10_000 / (ours.wallMs / 1000);
    const oursRateNet = 10_000 / ((ours.wallMs - startup) / 1000);
    const rawRate = 10_000 / (rawMs / 1000);
    console.log(
      `  10,000 no-op samples, --concurrency=500, 2 workers x 50: eval-harness ${Math.round(oursRate).toLocaleString('en')} samples/s (whole CLI, ${(ours.wallMs / 1000).toFixed(2)} s; ${Math.round(oursRateNet).toLocaleString('en')}/s without the ${startup.toFixed(0)} ms start-up and dataset load), raw BullMQ ${Math.round(rawRate).toLocaleString('en')} samples/s; ratio ${((oursRate / rawRate) * 100).toFixed(0)} % (${((oursRateNet / rawRate) * 100).toFixed(0)} % net; target >= 70 %)`,
    );

    // 2. 2,000 samples x 50 ms, concurrency 64: ideal = ceil(2000 / 64) x 50 ms.
    const slow = writeWorkspace('queue-slow', 2000, 50, redisUrl);
    const slowRun = await withWorkers(slow, 2, 32, 'slow', () =>
      runLazy(slow, 'queue-slow', ['--queue', 'slow', '--concurrency=64']),
    );
    const ideal = Math.ceil(2000 / 64) * 50;
    const net = slowRun.wallMs - startup;
    console.log(
      `  2,000 x 50 ms, --concurrency=64, 2 workers x 32: wall ${(slowRun.wallMs / 1000).toFixed(2)} s (${(net / 1000).toFixed(2)} s after start-up); ideal ${(ideal / 1000).toFixed(2)} s; efficiency ${((ideal / net) * 100).toFixed(0)} % (target >= 80 %)`,
    );

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
