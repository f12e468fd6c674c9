// `npm run bench -- producer`: the shared producer loop in concurrent mode, through the real CLI,
// rolling and windowed dispatch side by side in each case.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { timeCli } from './core.mjs';
import { OUT_DIR, formatMiB, longTailLatencies, median } from './util.mjs';

const SUT = new URL('./bench-sut.mjs', import.meta.url).pathname;
const STRATEGIES = ['rolling', 'windowed'];

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

/** The largest number of dispatches in any sliding window of `windowMs`. */
function maxInWindow(starts, windowMs) {
  let max = 0;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while (starts[i] - starts[j] >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

/** Time both strategies on one dataset; returns milliseconds after start-up, by strategy. */
async function bothStrategies(dataset, flags, startup) {
  const times = {};
  for (const dispatch of STRATEGIES) {
    const run = await runCli(dataset, [...flags, `--dispatch=${dispatch}`]);
    times[dispatch] = run.wallMs - startup;
  }
  return times;
}

function printPair(times, idealMs) {
  for (const dispatch of STRATEGIES) {
    console.log(
      `    ${dispatch.padEnd(9)} ${seconds(times[dispatch])} after start-up, ${((idealMs / times[dispatch]) * 100).toFixed(0).padStart(3)} % of ideal`,
    );
  }
}

export async function benchProducer() {
  console.log('producer: concurrent mode through the CLI, rolling and windowed dispatch');
  // Start-up = the same command on a one-sample dataset: process, config, dataset and report.
  const one = writeDataset('producer-one', [0]);
  const startups = [];
  for (let i = 0; i < 5; i++)
    startups.push((await runCli(one, ['--batch=concurrent', '--concurrency=50'])).wallMs);
  const startup = median(startups);
  console.log(`  process start-up (median of 5 one-sample runs): ${startup.toFixed(0)} ms`);

  // 1. Fixed latency: 1,000 samples x 50 ms at concurrency 50, ideal 1.0 s.
  const fixed = writeDataset('producer-fixed-1000', new Array(1000).fill(50));
  const fixedTimes = await bothStrategies(
    fixed,
    ['--batch=concurrent', '--concurrency=50'],
    startup,
  );
  console.log(
    `  1,000 x 50 ms, concurrency 50, ideal 1.00 s (target: rolling no slower than windowed: ${fixedTimes.rolling <= fixedTimes.windowed * 1.02 ? 'ok' : 'SLOWER'}):`,
  );
  printPair(fixedTimes, 1000);

  // 2. Long-tailed latency, 20-500 ms, the spread real LLM calls have.
  const tail = longTailLatencies(1000);
  const tailIdeal = Math.max(tail.reduce((a, b) => a + b, 0) / 50, Math.max(...tail));
  const tailTimes = await bothStrategies(
    writeDataset('producer-tail-1000', tail),
    ['--batch=concurrent', '--concurrency=50', '--batch-timeout=60'],
    startup,
  );
  const tailRatio = tailIdeal / tailTimes.rolling;
  console.log(
    `  1,000 x 20-500 ms (20 + (i x 7919) mod 481), concurrency 50, ideal ${seconds(tailIdeal)} (target: rolling >= 90 % of ideal: ${tailRatio >= 0.9 ? 'ok' : 'BELOW TARGET'}):`,
  );
  printPair(tailTimes, tailIdeal);

  // 3. Rate limit 20 per 1 s sliding window, 60 samples: ideal 2 s (dispatches at 0, 1 and 2 s).
  const rateDataset = writeDataset('producer-rate-60', new Array(60).fill(5));
  console.log(
    '  60 x 5 ms, --rate-limit=20 --rate-window-seconds=1, ideal 2.00 s (targets: <= 20 in any 1 s, <= 1.1 x ideal):',
  );
  for (const dispatch of STRATEGIES) {
    const dispatchLog = join(OUT_DIR, `dispatch-times-${dispatch}.json`);
    const rated = await runCli(
      rateDataset,
      [
        '--batch=concurrent',
        '--concurrency=60',
        '--rate-limit=20',
        '--rate-window-seconds=1',
        '--batch-timeout=30',
        `--dispatch=${dispatch}`,
      ],
      { EVAL_HARNESS_BENCH_DISPATCH_LOG: dispatchLog },
    );
    const starts = JSON.parse(readFileSync(dispatchLog, 'utf8')).sort((a, b) => a - b);
    const most = maxInWindow(starts, 1000);
    const work = rated.wallMs - startup;
    console.log(
      `    ${dispatch.padEnd(9)} max ${most} dispatches in any sliding 1 s window (${most <= 20 ? 'ok' : 'VIOLATED'}); ${seconds(work)} after start-up, ratio ${(work / 2000).toFixed(2)} (${work <= 2200 ? 'ok' : 'ABOVE TARGET'})`,
    );
  }

  // 4. 100,000 samples, 0 ms SUT, concurrency 64: the loop's own cost per sample.
  const big = writeDataset('producer-zero-100k', new Array(100_000).fill(0));
  console.log('  100,000 x 0 ms, concurrency 64 (targets: >= 20,000 samples/s, <= 400 MiB):');
  for (const dispatch of STRATEGIES) {
    const bigRun = await runCli(big, [
      '--batch=concurrent',
      '--concurrency=64',
      `--dispatch=${dispatch}`,
    ]);
    const rate = 100_000 / (bigRun.wallMs / 1000);
    console.log(
      `    ${dispatch.padEnd(9)} wall ${seconds(bigRun.wallMs)}, ${Math.round(rate).toLocaleString('en')} samples/s, peak RSS ${formatMiB(bigRun.rss)}`,
    );
  }
}
