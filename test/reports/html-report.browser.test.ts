import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openReport } from '../helpers/browser.js';
import { makeWorkspace, runCli } from '../helpers/cli.js';
import { report, result } from '../helpers/reports.js';
import { renderHtmlPage, runPageModel, summarizeReport } from '../../src/reports/index.js';

// HTML reports opened from disk in Debian's Chromium: what a person sees must be what the JSON
// report says, every control must work, and nothing from a dataset or an output may run.

const SAMPLES = 120;
const XSS_OUTPUT = `<img src=x onerror="document.title='pwned by img'"><script>document.title='pwned by script'</script>`;
const tagsOf = (i: number) => [i % 2 === 0 ? 'alpha' : 'beta', ...(i % 3 === 0 ? ['gamma'] : [])];

function dataset(name: string): string {
  return JSON.stringify({
    name,
    samples: Array.from({ length: SAMPLES }, (_, i) => ({
      id: `s${i}`,
      input: { question: i === 0 ? '<b onmouseover="alert(1)">bold?</b>' : `question ${i}` },
      expected_output: `answer ${i}`,
      metadata: { tags: tagsOf(i) },
    })),
  });
}

/** Main's outputs: every fourth sample wrong, s0 an injection attempt, s7 only contains. */
function mainOutputs(): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (let i = 0; i < SAMPLES; i++) outputs[`s${i}`] = i % 4 === 0 ? 'nope' : `answer ${i}`;
  outputs['s0'] = XSS_OUTPUT;
  outputs['s7'] = 'well, answer 7 it is';
  return outputs;
}

/** The PR's outputs: s1 and s2 regress, s4 improves. */
function prOutputs(): Record<string, string> {
  return { ...mainOutputs(), s1: 'wrong', s2: 'wrong', s4: 'answer 4' };
}

interface JsonReport {
  metrics: Record<string, Record<string, number>>;
  macro_f1: number;
  samples: { id: string; tags: string[]; scores: Record<string, { score: number | null }> }[];
}

let browser: Browser;
let dir: string;
let screenshots: string;
let runJson: JsonReport;

beforeAll(async () => {
  browser = await launchChromium();
  screenshots = await mkdtemp(join(tmpdir(), 'eval-harness-screenshots-'));
  dir = await makeWorkspace({
    'qa.json': dataset('qa'),
    'main-outputs.json': JSON.stringify({ outputs: mainOutputs() }),
    'pr-outputs.json': JSON.stringify({ outputs: prOutputs() }),
  });
  const score = (outputs: string) => [
    'run',
    'qa.json',
    '--metric',
    'exact-match',
    '--metric',
    'contains',
    '--outputs',
    outputs,
    '--json',
  ];
  const main = await runCli(
    [...score('main-outputs.json'), '--out', 'main.json', '--html', 'run.html'],
    {
      cwd: dir,
    },
  );
  expect(main.code).toBe(0);
  const pr = await runCli([...score('pr-outputs.json'), '--out', 'pr.json'], { cwd: dir });
  expect(pr.code).toBe(0);
  const compare = await runCli(
    [
      'compare',
      'main.json',
      'pr.json',
      '--json',
      '--out',
      'cmp.json',
      '--html',
      'cmp.html',
      '--max-regressed',
      '0',
    ],
    { cwd: dir },
  );
  expect(compare.code).toBe(1);
  runJson = JSON.parse(await readFile(join(dir, 'main.json'), 'utf8')) as JsonReport;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  console.log(`HTML report screenshots: ${screenshots}`);
});

const text = (page: Page, selector: string) => page.locator(selector).first().innerText();
const pageInfo = (page: Page) => text(page, '#page-info');
const rowIds = (page: Page) => page.locator('#sample-rows tr td.id').allInnerTexts();

async function search(page: Page, query: string): Promise<void> {
  await page.fill('#search', query);
  // The search box waits for typing to pause, then marks the rows with the query they reflect.
  await page.waitForSelector(`#sample-rows[data-query=${JSON.stringify(query.toLowerCase())}]`, {
    state: 'attached',
  });
}

describe('the HTML run report in Chromium', () => {
  it('opens from disk with no console error and no network request, showing the JSON report numbers', async () => {
    const { page, watch } = await openReport(browser, join(dir, 'run.html'));
    for (const [metric, aggregates] of Object.entries(runJson.metrics)) {
      for (const [aggregate, value] of Object.entries(aggregates)) {
        const cell = page.locator(
          `#aggregates-0 td[data-metric="${metric}"][data-aggregate="${aggregate}"]`,
        );
        expect(await cell.innerText()).toBe(value.toFixed(4));
      }
    }
    expect(await text(page, 'dd[data-macro-f1]')).toBe(runJson.macro_f1.toFixed(4));
    expect(await page.locator('.histogram').count()).toBe(2);
    expect(await page.locator('#cohorts-0 tbody tr').count()).toBe(3);
    await page.screenshot({ path: join(screenshots, 'run-report.png'), fullPage: true });
    expect(watch.errors).toEqual([]);
    expect(watch.requests).toEqual([]);
    await page.close();
  });

  it('pages, searches, filters by failing metric and by tag, and sorts by a metric', async () => {
    const { page, watch } = await openReport(browser, join(dir, 'run.html'));
    expect(await pageInfo(page)).toBe(`Page 1 of 3 · ${SAMPLES} of ${SAMPLES} samples`);
    expect(await page.locator('#sample-rows tr').count()).toBe(50);
    expect(await page.isDisabled('#prev')).toBe(true);
    await page.click('#next');
    expect(await pageInfo(page)).toBe(`Page 2 of 3 · ${SAMPLES} of ${SAMPLES} samples`);
    expect((await rowIds(page))[0]).toBe('s50');
    await page.click('#next');
    expect(await page.locator('#sample-rows tr').count()).toBe(SAMPLES - 100);
    expect(await page.isDisabled('#next')).toBe(true);

    await search(page, 's11');
    expect(await pageInfo(page)).toBe(`Page 1 of 1 · 11 of ${SAMPLES} samples`);
    await search(page, 'WELL, ANSWER');
    expect(await rowIds(page)).toEqual(['s7']);
    await search(page, '');

    const failingExact = runJson.samples.filter((s) => (s.scores['exact-match']?.score ?? 1) < 0.5);
    await page.selectOption('#failing', { label: 'exact-match' });
    expect(await pageInfo(page)).toBe(`Page 1 of 1 · ${failingExact.length} of ${SAMPLES} samples`);
    expect(await rowIds(page)).toEqual(failingExact.map((s) => s.id));
    await page.selectOption('#failing', { label: 'contains' });
    expect(await rowIds(page)).not.toContain('s7');
    await page.selectOption('#failing', '');

    await page.selectOption('#tag', 'gamma');
    const gamma = runJson.samples.filter((s) => s.tags.includes('gamma')).length;
    expect(await pageInfo(page)).toBe(`Page 1 of 1 · ${gamma} of ${SAMPLES} samples`);
    await page.selectOption('#tag', '');

    await page.selectOption('#sort', { label: 'exact-match (lowest first)' });
    const exactCells = () =>
      page.locator('#sample-rows td[data-metric="exact-match"]').allInnerTexts();
    expect((await exactCells()).slice(0, failingExact.length).every((t) => t === '0.0000')).toBe(
      true,
    );
    await page.selectOption('#sort', { label: 'exact-match (highest first)' });
    expect((await exactCells())[0]).toBe('1.0000');
    await page.selectOption('#sort', 'id');
    expect((await rowIds(page)).slice(0, 4)).toEqual(['s0', 's1', 's10', 's100']);
    expect(watch.errors).toEqual([]);
    await page.close();
  });

  it('shows a clicked sample: input, expected and actual output, each metric score and detail', async () => {
    const { page } = await openReport(browser, join(dir, 'run.html'));
    await page.click('#sample-rows tr[data-index="7"]');
    const detail = await text(page, '#detail');
    expect(detail).toContain('Sample s7');
    expect(detail).toContain('"question": "question 7"');
    expect(detail).toContain('"answer 7"');
    expect(detail).toContain('well, answer 7 it is');
    const scores = await page.locator('#detail-scores tbody tr').allInnerTexts();
    expect(scores).toHaveLength(2);
    expect(scores[0]).toMatch(/^exact-match\s+0\.0000/);
    // The page stores these two by reference to the sample's texts and puts them back here.
    expect(scores[0]).toContain('"expected": "answer 7"');
    expect(scores[0]).toContain('"actual": "well, answer 7 it is"');
    expect(scores[1]).toMatch(/^contains\s+1\.0000/);
    expect(scores[1]).toContain('"match": true');
    await page.screenshot({ path: join(screenshots, 'run-report-detail.png') });
    await page.click('#close-detail');
    expect(await page.isHidden('#detail')).toBe(true);
    await page.close();
  });

  it('shows markup from outputs and inputs as text and never runs it', async () => {
    const { page, watch } = await openReport(browser, join(dir, 'run.html'));
    const title = await page.title();
    expect(await page.locator('#sample-rows tr[data-index="0"] td.output').innerText()).toBe(
      XSS_OUTPUT,
    );
    await page.click('#sample-rows tr[data-index="0"]');
    // The input is shown as its JSON, so the quotes inside it are escaped.
    expect(await text(page, '#detail')).toContain('"<b onmouseover=\\"alert(1)\\">bold?</b>"');
    await page.hover('#detail pre');
    await page.waitForTimeout(100);
    expect(await page.title()).toBe(title);
    expect(await page.locator('#app img, #app b, #app script').count()).toBe(0);
    expect(watch.errors).toEqual([]);
    expect(watch.requests).toEqual([]);
    await page.close();
  });
});

describe('the HTML comparison page in Chromium', () => {
  it('shows the comparison numbers of the JSON comparison and both outputs side by side', async () => {
    const comparison = JSON.parse(await readFile(join(dir, 'cmp.json'), 'utf8'));
    const { page, watch } = await openReport(browser, join(dir, 'cmp.html'));
    const metrics = comparison.datasets[0].metrics as Record<
      string,
      Record<string, { delta: number }>
    >;
    for (const [metric, aggregates] of Object.entries(metrics)) {
      for (const [aggregate, value] of Object.entries(aggregates)) {
        const cell = page.locator(
          `#comparison-0 td[data-metric="${metric}"][data-aggregate="${aggregate}"]`,
        );
        expect(await cell.innerText()).toBe(
          `${value.delta >= 0 ? '+' : ''}${value.delta.toFixed(4)}`,
        );
      }
    }
    expect(await page.locator('#gates tr.fail').innerText()).toContain('--max-regressed 0');
    // One verdict line per metric, as the Markdown comparison prints it.
    const verdicts = await page.locator('#verdicts-0 li').allInnerTexts();
    expect(verdicts).toHaveLength(Object.keys(comparison.datasets[0].statistics).length);
    expect(verdicts[0]).toMatch(
      /^\S+ [+\u22120-9.]+ pp .*\(n = \d+; pass\u2192fail \d+, fail\u2192pass \d+, McNemar p /,
    );
    await page.screenshot({ path: join(screenshots, 'comparison.png'), fullPage: true });

    await page.selectOption('#status', 'regressed');
    expect(await rowIds(page)).toEqual(['s1', 's2']);
    await page.selectOption('#status', 'improved');
    expect(await rowIds(page)).toEqual(['s4']);
    await page.click('#sample-rows tr[data-index="4"]');
    const sides = await page.locator('#detail .side-by-side pre').allInnerTexts();
    expect(sides).toEqual(['nope', 'answer 4']);
    expect(await page.locator('#sample-rows td[data-metric="exact-match"]').innerText()).toBe(
      '0.0000 → 1.0000',
    );
    await page.screenshot({ path: join(screenshots, 'comparison-detail.png') });
    expect(watch.errors).toEqual([]);
    expect(watch.requests).toEqual([]);
    await page.close();
  });
});

describe('the HTML page of an eval set in Chromium', () => {
  it('shows each dataset and filters the samples by dataset', async () => {
    const setDir = await makeWorkspace({
      'a.yml':
        'name: a\nsamples:\n  - { id: a1, input: { q: 1 }, expected_output: one }\n  - { id: a2, input: { q: 2 }, expected_output: two }\n',
      'b.yml': 'name: b\nsamples:\n  - { id: b1, input: { q: 1 }, expected_output: one }\n',
      'sut.mjs': "export default ({ input }) => (input.q === 1 ? 'one' : 'nope');\n",
      'eval-harness.config.json': JSON.stringify({
        datasets: {
          a: { path: 'a.yml', metrics: ['exact-match'] },
          b: { path: 'b.yml', metrics: ['exact-match', 'contains'] },
        },
        sut: { type: 'module', path: './sut.mjs' },
        evalSets: { nightly: ['a', 'b'] },
      }),
    });
    const run = await runCli(['run', '--eval-set', 'nightly', '--html', 'set.html', '--json'], {
      cwd: setDir,
    });
    expect(run.code).toBe(0);
    const { page, watch } = await openReport(browser, join(setDir, 'set.html'));
    expect(await page.locator('section.dataset h2').allInnerTexts()).toEqual(['a', 'b']);
    expect(
      await text(page, '#aggregates-0 td[data-metric="exact-match"][data-aggregate="mean"]'),
    ).toBe('0.5000');
    expect(
      await text(page, '#aggregates-1 td[data-metric="contains"][data-aggregate="mean"]'),
    ).toBe('1.0000');
    expect(await pageInfo(page)).toBe('Page 1 of 1 · 3 of 3 samples');
    await page.selectOption('#dataset', { label: 'b' });
    expect(await rowIds(page)).toEqual(['b1']);
    // Dataset a does not score contains: its rows show no score there, not a zero.
    await page.selectOption('#dataset', { label: 'a' });
    expect(await page.locator('#sample-rows td[data-metric="contains"]').allInnerTexts()).toEqual([
      'n/a',
      'n/a',
    ]);
    expect(watch.errors).toEqual([]);
    await page.close();
  });
});

describe('a run above the page row limit in Chromium', () => {
  it('shows the samples below the pass line and says the page holds only those', async () => {
    const sampleResults = Array.from({ length: 12 }, (_, i) =>
      result(`s${i}`, { contains: i % 4 === 0 ? 0 : 1 }),
    );
    const r = report(sampleResults);
    const model = runPageModel({
      title: 'capped',
      generator: 'test',
      outcomes: [{ report: r, summary: summarizeReport(r), gates: undefined }],
      maxRows: 5,
    });
    const path = join(dir, 'capped.html');
    await writeFile(path, renderHtmlPage(model));
    const { page, watch } = await openReport(browser, path);
    expect(await rowIds(page)).toEqual(['s0', 's4', 's8']);
    expect(await text(page, '#rows-note')).toBe(
      'This page shows the 3 samples below the pass line, out of 12: a page holds at most 5 rows. Every aggregate, chart and cohort covers all 12 samples; the JSON report lists each of them.',
    );
    // The aggregates are over every sample, not over the rows shown.
    expect(
      await text(page, '#aggregates-0 td[data-metric="contains"][data-aggregate="mean"]'),
    ).toBe('0.7500');
    expect(watch.errors).toEqual([]);
    await page.close();
  });
});

describe('a 100,000-sample HTML report in Chromium', () => {
  it('becomes interactive and searchable', async () => {
    const count = 100_000;
    const samples = Array.from({ length: count }, (_, i) => ({
      id: `s${i}`,
      input: { question: `question ${i}` },
      expected_output: `answer ${i % 97}`,
    }));
    const outputs = Object.fromEntries(
      samples.map((s, i) => [s.id, i % 5 === 0 ? 'no idea' : `it is answer ${i % 97}`]),
    );
    await writeFile(join(dir, 'big.json'), JSON.stringify({ name: 'big', samples }));
    await writeFile(join(dir, 'big-outputs.json'), JSON.stringify({ outputs }));
    const run = await runCli(
      [
        'run',
        'big.json',
        '--metric',
        'contains',
        '--metric',
        'exact-match',
        '--outputs',
        'big-outputs.json',
        '--html',
        'big.html',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    const { page, watch, readyMs } = await openReport(browser, join(dir, 'big.html'), 60_000);
    const bytes = (await stat(join(dir, 'big.html'))).size;
    // A figure for the reader, not an assertion: timing on shared machines is noise.
    console.log(
      `100,000-sample HTML report: ${(bytes / 1024 / 1024).toFixed(1)} MiB, interactive ${readyMs} ms after navigation`,
    );
    expect(await pageInfo(page)).toBe('Page 1 of 2000 · 100000 of 100000 samples');
    await search(page, 's99999');
    expect(await rowIds(page)).toEqual(['s99999']);
    expect(watch.errors).toEqual([]);
    await page.close();
  }, 120_000);
});
