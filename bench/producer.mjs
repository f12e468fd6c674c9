// `npm run bench -- producer`: the shared producer loop in concurrent mode, through the real CLI.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { timeCli } from './core.mjs';
import { OUT_DIR, formatMiB, median, seededRandom } from './util.mjs';

const SUT = new URL('./bench-sut.mjs', import.meta.url).pathname;

/** A JSON dataset whose samples carry their own SUT latency. */
function writeDataset(name, latencies) {
  mkdirSync(OUT_DIR, { recursive: true });
  const samples = latencies.map((latencyMs, i) => ({
    id: `s${i}`,
    input: { latencyMs, answer: 'ok' },
    expected_output: 'ok',
  }));
  const path = join(OUT_DIR, `${name}.json`);
  writeFileSync(path, JSON.stringify({ name, samples }));
  return path;
}

async function runCli(dataset, flags, env = {}) {
  const result = await timeCli(
    [
      'run',
      dataset,
      '--metric',
      'exact-match',
      '--sut',
      SUT,
      '--no-progress',
      '--out',
      join(OUT_DIR, 'producer-report.md'),
      ...flags,
    ],
    env,
  );
  if (result.code !== 0) throw new Error(`eval-harness exited ${result.code}: ${result.stderr}`);
  return result;
}

const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

export async function benchProducer() {
  console.log('producer: concurrent mode through the CLI (wall times include process start-up)');
  // Start-up = the same command on a one-sample dataset: process, config, dataset and report.
  const one = writeDataset('producer-one', [0]);
  const startups = [];
  for (let i = 0; i < 5; i++)
    startups.push((await runCli(one, ['--batch=concurrent', '--concurrency=50'])).wallMs);
  const startup = median(startups);
  console.log(`  process start-up (median of 5 one-sample runs): ${startup.toFixed(0)} ms`);

  // 1. 1,000 samples x 50 ms at concurrency 50: ideal 1.0 s.
  const fixed = writeDataset('producer-fixed-1000', new Array(1000).fill(50));
  const concurrent = await runCli(fixed, ['--batch=concurrent', '--concurrency=50']);
  const serial100 = await runCli(writeDataset('producer-fixed-100', new Array(100).fill(50)), []);
  const overhead = concurrent.wallMs - startup;
  console.log(
    `  1,000 x 50 ms, --batch=concurrent --concurrency=50: wall ${seconds(concurrent.wallMs)} (${seconds(overhead)} after start-up; ideal 1.00 s, ratio ${(overhead / 1000).toFixed(2)}; target <= 1.3 s + start-up: ${overhead <= 1300 ? 'ok' : 'ABOVE TARGET'})`,
  );
  console.log(
    `  100 x 50 ms serial for comparison: wall ${seconds(serial100.wallMs)} (concurrent does 10x the samples in ${(concurrent.wallMs / serial100.wallMs).toFixed(2)}x the time)`,
  );

  // 2. Long-tailed latency (seeded, 20-500 ms): what window-then-wait costs.
  const random = seededRandom(7);
  const tail = Array.from({ length: 1000 }, () => Math.round(20 + 480 * random() ** 4));
  const tailPath = writeDataset('producer-tail-1000', tail);
  const ideal = tail.reduce((a, b) => a + b, 0) / 50;
  const tailRun = await runCli(tailPath, [
    '--batch=concurrent',
    '--concurrency=50',
    '--batch-timeout=60',
  ]);
  const tailWork = tailRun.wallMs - startup;
  console.log(
    `  1,000 long-tailed (20-500 ms, mean ${(tail.reduce((a, b) => a + b, 0) / tail.length).toFixed(0)} ms), concurrency 50 = chunk 50: wall ${seconds(tailRun.wallMs)}; ideal (work / concurrency) ${seconds(ideal)}; efficiency ${((ideal / tailWork) * 100).toFixed(0)} % (window-then-wait idles slots until each window's slowest sample)`,
  );

  // 3. Rate limit 20 per 1 s sliding window, 60 samples: ideal about 2 s.
  const dispatchLog = join(OUT_DIR, 'dispatch-times.json');
  const rated = await runCli(
    writeDataset('producer-rate-60', new Array(60).fill(5)),
    [
      '--batch=concurrent',
      '--concurrency=60',
      '--rate-limit=20',
      '--rate-window-seconds=1',
      '--batch-timeout=30',
    ],
    {
      EVAL_HARNESS_BENCH_DISPATCH_LOG: dispatchLog,
    },
  );
  const starts = JSON.parse(readFileSync(dispatchLog, 'utf8')).sort((a, b) => a - b);
  let maxInWindow = 0;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while (starts[i] - starts[j] >= 1000) j++;
    maxInWindow = Math.max(maxInWindow, i - j + 1);
  }
  const ratedWork = rated.wallMs - startup;
  console.log(
    `  60 samples, --rate-limit=20 --rate-window-seconds=1: max ${maxInWindow} dispatches in any sliding 1 s window (must be <= 20: ${maxInWindow <= 20 ? 'ok' : 'VIOLATED'}); wall ${seconds(rated.wallMs)}, ${seconds(ratedWork)} after start-up (ideal ~2.0 s, ratio ${(ratedWork / 2000).toFixed(2)}; target <= 1.1: ${ratedWork <= 2200 ? 'ok' : 'ABOVE TARGET'})`,
  );

  // 4. 100,000 samples, 0 ms SUT, concurrency 64.
  const big = writeDataset('producer-zero-100k', new Array(100_000).fill(0));
  const bigRun = await runCli(big, ['--batch=concurrent', '--concurrency=64']);
  const rate = 100_000 / (bigRun.wallMs / 1000);
  console.log(
    `  100,000 x 0 ms, concurrency 64: wall ${seconds(bigRun.wallMs)}, ${Math.round(rate).toLocaleString('en')} samples/s (target >= 20,000: ${rate >= 20_000 ? 'ok' : 'BELOW TARGET'}), peak RSS ${formatMiB(bigRun.rss)} (target <= 400 MiB: ${bigRun.rss <= 400 * 1024 * 1024 ? 'ok' : 'ABOVE TARGET'})`,
  );
}
