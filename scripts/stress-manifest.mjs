// Stress the adversarial run manifest's lock: 8 processes x 25 records into one manifest while
// another process keeps the CPU busy, 20 times over. Prints lost and torn records per round; a
// correct lock loses none. Not part of `npm test` (it takes about a minute). Run after a build:
//   npm run build && node scripts/stress-manifest.mjs
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROUNDS = 20;
const PROCESSES = 8;
const RECORDS = 25;
const DIST = new URL('../dist/index.js', import.meta.url).href;

/** One writer: RECORDS runs, each with its own id, recorded one after another. */
const WRITER = `
const { recordAdversarialRun } = await import(${JSON.stringify(DIST)});
const [path, writer, records] = process.argv.slice(1);
for (let i = 0; i < Number(records); i++) {
  const now = Date.now() / 1000;
  await recordAdversarialRun(path, {
    run_id: 'w' + writer + '-r' + i,
    dataset: 'stress',
    report_schema_version: 'eval-harness.report.v1',
    started_at: now,
    finished_at: now,
    duration_seconds: 0,
    total_samples: 1,
    total_failures: 0,
    macro_f1: 1,
    metrics: {},
    adversarial: { total_samples: 1, categories: [], compliance_frameworks: [] },
  }, { maxRuns: 100000, manifestName: 'stress', now });
}
`;

function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

let lost = 0;
let torn = 0;
let failed = 0;
for (let round = 1; round <= ROUNDS; round++) {
  const path = join(await mkdtemp(join(tmpdir(), 'eh-stress-')), 'manifest.json');
  const load = spawn(
    process.execPath,
    ['-e', 'const end = Date.now() + 60000; while (Date.now() < end);'],
    {
      stdio: 'ignore',
    },
  );
  const started = performance.now();
  const writers = await Promise.all(
    Array.from({ length: PROCESSES }, (_, w) =>
      run(['--input-type=module', '-e', WRITER, path, String(w), String(RECORDS)]),
    ),
  );
  load.kill();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  failed += writers.filter((w) => w.code !== 0).length;
  for (const w of writers) if (w.code !== 0) process.stderr.write(w.stderr);
  let runs = [];
  try {
    runs = JSON.parse(await readFile(path, 'utf8')).runs;
  } catch {
    torn++;
  }
  const ids = new Set(runs.map((r) => r.run_id));
  const missing = PROCESSES * RECORDS - ids.size;
  lost += missing;
  console.log(
    `round ${String(round).padStart(2)}: ${ids.size}/${PROCESSES * RECORDS} records, ${missing} lost, ${writers.filter((w) => w.code !== 0).length} writer(s) failed, ${seconds} s`,
  );
}
console.log(
  `${ROUNDS} rounds x ${PROCESSES} processes x ${RECORDS} records under CPU load: ${lost} lost, ${torn} torn manifest(s), ${failed} failed writer(s)`,
);
process.exitCode = lost + torn + failed === 0 ? 0 : 1;
