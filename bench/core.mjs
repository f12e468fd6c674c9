// `npm run bench -- core`: 100,000 samples scored from saved outputs with exact-match, contains
// and rouge-l through the real CLI, plus the start-up time of `eval-harness --version`.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, OUT_DIR, formatMiB, median, seededRandom } from './util.mjs';

const SAMPLES = Number(process.env.EVAL_HARNESS_BENCH_SAMPLES ?? 100_000);
const WORDS = [
  'refund',
  'shipping',
  'policy',
  'order',
  'days',
  'customer',
  'within',
  'item',
  'return',
  'warranty',
  'invoice',
  'account',
];

function sentence(random, length) {
  const words = [];
  for (let i = 0; i < length; i++) words.push(WORDS[Math.floor(random() * WORDS.length)]);
  return words.join(' ');
}

/** Write a dataset and saved outputs of `count` samples; about 70 % of outputs match exactly. */
export function writeCoreFixtures(count, format) {
  mkdirSync(OUT_DIR, { recursive: true });
  const random = seededRandom(42);
  const samples = [];
  const outputs = {};
  for (let i = 0; i < count; i++) {
    const expected = sentence(random, 8 + Math.floor(random() * 12));
    const id = `s${i}`;
    samples.push({
      id,
      input: { question: `question ${i}` },
      expected_output: expected,
      metadata: { tags: [i % 2 ? 'odd' : 'even'] },
    });
    outputs[id] = random() < 0.7 ? expected : `${sentence(random, 4)} ${expected.slice(0, 20)}`;
  }
  const datasetPath = join(OUT_DIR, `core-${count}.${format}`);
  if (format === 'json') {
    writeFileSync(datasetPath, JSON.stringify({ name: 'bench.core', samples }));
  } else {
    const lines = ['name: bench.core', 'samples:'];
    for (const s of samples) {
      lines.push(
        `  - id: ${s.id}`,
        `    input: { question: "${s.input.question}" }`,
        `    expected_output: "${s.expected_output}"`,
        `    metadata: { tags: [${s.metadata.tags[0]}] }`,
      );
    }
    writeFileSync(datasetPath, `${lines.join('\n')}\n`);
  }
  const outputsPath = join(OUT_DIR, `core-${count}-outputs.json`);
  writeFileSync(outputsPath, JSON.stringify({ outputs }));
  return { datasetPath, outputsPath };
}

/**
 * The benchmarks' scoring run: a dataset scored from saved outputs with exact-match, contains
 * and rouge-l, the JSON report written to `reportPath`.
 */
export function scoreSavedOutputsArgs(datasetPath, outputsPath, reportPath) {
  return [
    'run',
    datasetPath,
    '--metric',
    'exact-match',
    '--metric',
    'contains',
    '--metric',
    'rouge-l',
    '--outputs',
    outputsPath,
    '--json',
    '--out',
    reportPath,
    '--no-progress',
  ];
}

/** Run the CLI once; resolves with wall time and the child's peak RSS. */
export function timeCli(args, env = {}) {
  const rssFile = join(OUT_DIR, `rss-${process.pid}-${Date.now()}.txt`);
  const probe = new URL('./rss-probe.mjs', import.meta.url).href;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {
        ...process.env,
        ...env,
        EVAL_HARNESS_BENCH_RSS_FILE: rssFile,
        NODE_OPTIONS: `--import ${probe}`,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      let rss = Number.NaN;
      try {
        rss = Number(readFileSync(rssFile, 'utf8'));
        rmSync(rssFile);
      } catch {
        // The probe did not run; report NaN rather than guess.
      }
      resolve({ code, wallMs, rss, stderr });
    });
  });
}

export async function benchCore() {
  console.log(
    `core: ${SAMPLES.toLocaleString('en')} samples scored from saved outputs (exact-match, contains, rouge-l)`,
  );
  const rows = [];
  for (const format of ['json', 'yml']) {
    const { datasetPath, outputsPath } = writeCoreFixtures(SAMPLES, format);
    const outPath = join(OUT_DIR, `core-report-${format}.json`);
    const run = await timeCli(scoreSavedOutputsArgs(datasetPath, outputsPath, outPath));
    if (run.code !== 0) throw new Error(`eval-harness exited ${run.code}: ${run.stderr}`);
    rows.push({
      dataset: `.${format}`,
      wallMs: run.wallMs,
      rate: SAMPLES / (run.wallMs / 1000),
      rss: run.rss,
    });
  }
  for (const row of rows) {
    const rateOk = row.rate >= 20_000 ? 'ok' : 'BELOW TARGET';
    const rssOk = row.rss <= 400 * 1024 * 1024 ? 'ok' : 'ABOVE TARGET';
    console.log(
      `  dataset ${row.dataset.padEnd(5)} wall ${(row.wallMs / 1000).toFixed(2)} s  ${Math.round(row.rate).toLocaleString('en')} samples/s (target >= 20,000: ${rateOk})  peak RSS ${formatMiB(row.rss)} (target <= 400 MiB: ${rssOk})`,
    );
  }
  if (rows.length === 2)
    console.log(`  YAML / JSON wall-time ratio: ${(rows[1].wallMs / rows[0].wallMs).toFixed(2)}x`);

  // Start-up against bare Node on the same machine, runs interleaved so both see the same load.
  const startups = [];
  const bare = [];
  for (let i = 0; i < 15; i++) {
    bare.push(await timeNode(['-e', '0']));
    startups.push(await timeNode([BIN, '--version']));
  }
  const startup = median(startups);
  const node = median(bare);
  console.log(
    `  eval-harness --version: median ${startup.toFixed(0)} ms over 15 runs; node -e 0: ${node.toFixed(0)} ms; overhead ${(startup - node).toFixed(0)} ms (target <= 40 ms: ${startup - node <= 40 ? 'ok' : 'ABOVE TARGET'})`,
  );
}

/** Wall time of one `node <args>` run. */
function timeNode(args) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', () => resolve(Number(process.hrtime.bigint() - started) / 1e6));
  });
}
