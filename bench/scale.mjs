// `npm run bench -- scale`: JSON Lines datasets of 100,000, 300,000 and 1,000,000 samples (and a
// variant whose samples carry a 2 KB context each), scored from JSON Lines saved outputs with
// three offline metrics through the real CLI; then a `compare` of two 1,000,000-sample reports.
// Prints wall time, samples per second, peak RSS and report size per run, and how peak RSS grows
// per extra 100,000 samples. EVAL_HARNESS_BENCH_SCALE_SIZES=100000,300000 picks the sizes.
import { createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { scoreSavedOutputsArgs, timeCli } from './core.mjs';
import { OUT_DIR, formatMiB, seededRandom } from './util.mjs';

const SIZES = (process.env.EVAL_HARNESS_BENCH_SCALE_SIZES ?? '100000,300000,1000000')
  .split(',')
  .map(Number);
const CONTEXT_BYTES = 2048;
const WORDS = ['refund', 'shipping', 'policy', 'order', 'days', 'customer', 'within', 'item'];

function sentence(random, length) {
  const words = [];
  for (let i = 0; i < length; i++) words.push(WORDS[Math.floor(random() * WORDS.length)]);
  return words.join(' ');
}

/** Write lines through a stream, waiting when the disk falls behind (1 M lines, 2 GB). */
async function writeLines(path, count, lineOf) {
  const out = createWriteStream(path);
  for (let i = 0; i < count; i++) {
    if (!out.write(`${lineOf(i)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** A dataset and its saved outputs; `variant` says which outputs (two runs to compare). */
async function writeFixtures(count, withContext, variant) {
  mkdirSync(OUT_DIR, { recursive: true });
  const random = seededRandom(7);
  const expected = [];
  const tag = withContext ? 'ctx' : 'plain';
  const datasetPath = join(OUT_DIR, `scale-${count}-${tag}.jsonl`);
  const context = withContext ? sentence(random, 400).slice(0, CONTEXT_BYTES) : undefined;
  await writeLines(datasetPath, count + 1, (line) => {
    if (line === 0)
      return JSON.stringify({ schema_version: 'eval-harness.dataset.v1', name: 'bench.scale' });
    const i = line - 1;
    const answer = sentence(random, 8 + (i % 9));
    expected[i] = answer;
    return JSON.stringify({
      id: `s${i}`,
      input:
        context === undefined
          ? { question: `question ${i}` }
          : { question: `question ${i}`, context: `${i} ${context}` },
      expected_output: answer,
      metadata: { tags: [i % 2 ? 'odd' : 'even'] },
    });
  });
  const outputsPath = join(OUT_DIR, `scale-${count}-${tag}-outputs-${variant}.jsonl`);
  await writeLines(outputsPath, count, (i) =>
    JSON.stringify({
      id: `s${i}`,
      output: (i * 7 + variant) % 10 < 7 ? expected[i] : `${expected[i].slice(0, 12)} maybe`,
    }),
  );
  return { datasetPath, outputsPath };
}

async function scoreRun(count, withContext, variant = 0) {
  const { datasetPath, outputsPath } = await writeFixtures(count, withContext, variant);
  const reportPath = join(
    OUT_DIR,
    `scale-${count}-${withContext ? 'ctx' : 'plain'}-${variant}.json`,
  );
  const run = await timeCli(scoreSavedOutputsArgs(datasetPath, outputsPath, reportPath));
  rmSync(datasetPath, { force: true });
  rmSync(outputsPath, { force: true });
  return { ...run, reportPath, reportBytes: run.code === 0 ? statSync(reportPath).size : NaN };
}

function describeExit(run) {
  if (run.code === 0) return '';
  return /heap out of memory|Allocation failed/.test(run.stderr)
    ? ' FAILED: out of memory'
    : ` FAILED: exit ${run.code}: ${run.stderr.trim().split('\n').at(-1)}`;
}

export async function benchScale() {
  console.log(
    `scale: JSON Lines datasets scored from JSON Lines saved outputs (exact-match, contains, rouge-l); targets: <= 300 MiB peak RSS at 1,000,000 samples, >= 30,000 samples/s, < 20 MiB growth per 100,000`,
  );
  const kept = [];
  for (const withContext of [false, true]) {
    const rows = [];
    for (const count of SIZES) {
      const run = await scoreRun(count, withContext);
      const rate = count / (run.wallMs / 1000);
      rows.push({ count, run });
      console.log(
        `  ${count.toLocaleString('en').padStart(9)} samples${withContext ? ' + 2 KB context' : '               '}: wall ${(run.wallMs / 1000).toFixed(1)} s  ${Math.round(rate).toLocaleString('en')} samples/s  peak RSS ${formatMiB(run.rss)}  report ${formatMiB(run.reportBytes)}${describeExit(run)}`,
      );
      if (!withContext && count === Math.max(...SIZES) && run.code === 0) kept.push(run.reportPath);
      else rmSync(run.reportPath, { force: true });
    }
    const done = rows.filter((row) => row.run.code === 0);
    if (done.length >= 2) {
      const first = done[0];
      const last = done.at(-1);
      const growth = ((last.run.rss - first.run.rss) / (last.count - first.count)) * 100_000;
      console.log(
        `  peak RSS growth${withContext ? ' with contexts' : ''}: ${formatMiB(growth)} per extra 100,000 samples (target < 20 MiB: ${growth < 20 * 1024 * 1024 ? 'ok' : 'ABOVE TARGET'})`,
      );
    }
  }

  // A comparison of two runs of the largest size: the same samples, a tenth of the outputs moved.
  const largest = Math.max(...SIZES);
  if (kept.length === 1) {
    const other = await scoreRun(largest, false, 3);
    if (other.code === 0) {
      const compare = await timeCli(['compare', kept[0], other.reportPath, '--json']);
      console.log(
        `  compare of two ${largest.toLocaleString('en')}-sample reports: wall ${(compare.wallMs / 1000).toFixed(1)} s  peak RSS ${formatMiB(compare.rss)} (target <= 400 MiB: ${compare.rss <= 400 * 1024 * 1024 ? 'ok' : 'ABOVE TARGET'})${compare.code > 1 ? describeExit(compare) : ''}`,
      );
    }
    rmSync(other.reportPath, { force: true });
  }
  for (const path of kept) rmSync(path, { force: true });
}
