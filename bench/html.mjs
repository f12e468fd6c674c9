// `npm run bench -- html`: the HTML report of 100,000 samples (the core benchmark's dataset, three
// metrics). Prints its size next to the JSON report's and how long Chromium takes from navigation
// to an interactive page (medians of 5 loads). Needs Debian's chromium; prints figures only.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeCoreFixtures, timeCli } from './core.mjs';
import { CHROMIUM, launchChromium } from '../test/helpers/chromium.mjs';
import { OUT_DIR, median } from './util.mjs';

const SAMPLES = Number(process.env.EVAL_HARNESS_BENCH_SAMPLES ?? 100_000);
const LOADS = 5;

export async function benchHtml() {
  console.log(
    `html: ${SAMPLES.toLocaleString('en')} samples (exact-match, contains, rouge-l), HTML page against the JSON report`,
  );
  const { datasetPath, outputsPath } = writeCoreFixtures(SAMPLES, 'json');
  const jsonPath = join(OUT_DIR, 'html-report.json');
  const htmlPath = join(OUT_DIR, 'html-report.html');
  const args = ['run', datasetPath, '--outputs', outputsPath, '--json', '--out', jsonPath];
  for (const metric of ['exact-match', 'contains', 'rouge-l']) args.push('--metric', metric);
  const plain = await timeCli(args);
  const withHtml = await timeCli([...args, '--html', htmlPath]);
  if (withHtml.code !== 0)
    throw new Error(`eval-harness exited ${withHtml.code}: ${withHtml.stderr}`);
  const jsonBytes = statSync(jsonPath).size;
  const htmlBytes = statSync(htmlPath).size;
  const ratio = htmlBytes / jsonBytes;
  const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  console.log(
    `  JSON report ${mib(jsonBytes)}, HTML page ${mib(htmlBytes)}: ${ratio.toFixed(2)}x (target <= 1.5x: ${ratio <= 1.5 ? 'ok' : 'ABOVE TARGET'})`,
  );
  console.log(
    `  run wall time ${(plain.wallMs / 1000).toFixed(2)} s without --html, ${(withHtml.wallMs / 1000).toFixed(2)} s with it`,
  );
  if (!existsSync(CHROMIUM)) {
    console.log(`  ${CHROMIUM} is missing (apt-get install chromium): time-to-interactive skipped`);
    return;
  }
  const browser = await launchChromium();
  const loads = [];
  try {
    for (let i = 0; i < LOADS; i++) {
      const page = await browser.newPage();
      const started = performance.now();
      await page.goto(pathToFileURL(htmlPath).href);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
      loads.push(performance.now() - started);
      await page.close();
    }
  } finally {
    await browser.close();
  }
  const tti = median(loads);
  console.log(
    `  time to interactive in Chromium: median ${tti.toFixed(0)} ms over ${LOADS} loads (target <= 2000 ms: ${tti <= 2000 ? 'ok' : 'ABOVE TARGET'})`,
  );
}
