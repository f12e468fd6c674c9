import { describe, expect, it } from 'vitest';
import { DETAIL_REFS, WITHHELD_INPUT, compactDetails } from '../../src/reports/html/html-model.js';
import {
  RUN_COLUMNS,
  fieldReader,
  type RunSampleFields,
} from '../../src/reports/html/sample-columns.js';
import { embedJson } from '../../src/reports/html/html-page.js';
import {
  compareReports,
  comparePageModel,
  parseSavedReport,
  renderHtmlPage,
  renderJsonReport,
  runPageModel,
  summarizeReport,
} from '../../src/reports/index.js';
import { failure, report, result } from '../helpers/reports.js';

const outcomeOf = (r: ReturnType<typeof report>) => ({
  report: r,
  summary: summarizeReport(r),
  gates: undefined,
});
const pageOf = (r: ReturnType<typeof report>, withholdInputs = false) =>
  runPageModel({ title: 't', generator: 'g', outcomes: [outcomeOf(r)], withholdInputs });

describe('the HTML page shell', () => {
  it('embeds data that no string can break out of', () => {
    const text = embedJson({ output: '</script><script>alert(1)</script><!--' });
    expect(text).not.toContain('<');
    expect(JSON.parse(text)).toEqual({ output: '</script><script>alert(1)</script><!--' });
  });

  it('writes one page with its data inline and a policy that forbids requests', () => {
    const r = report([result('s1', { contains: 1 }, {}, '</script><img src=x onerror=alert(1)>')]);
    const html = renderHtmlPage({ ...pageOf(r), title: '<b>title</b>' });
    expect(html).toMatch(/^<!doctype html>\n/);
    expect(html).toContain("content=\"default-src 'none';");
    expect(html).toContain('<title>&#60;b&#62;title&#60;/b&#62;</title>');
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).not.toContain('<img');
  });
});

describe('the page model of a run', () => {
  it('says how a stopped run ended, its errored and not-run samples, and calls answered from the cache', () => {
    const r = {
      ...report([result('s1', { contains: 1 })]),
      status: 'stopped-on-error' as const,
      stopReason: "stopped at the first sample error (sample 's2')",
      sampleErrors: [{ sampleId: 's2', error: 'boom', attempts: 1 }],
      notRun: ['s3', 's4'],
    };
    const summary = summarizeReport(r);
    const model = runPageModel({
      title: 't',
      generator: 'g',
      outcomes: [
        {
          report: r,
          summary: { ...summary, usage: { ...summary.usage, cached_calls: 3 } },
          gates: undefined,
        },
      ],
    });
    expect(model.datasets[0]?.facts).toEqual(
      expect.arrayContaining([
        [
          'run',
          "Run stopped on an error: 1 of 4 sample(s) scored, 1 errored, 2 not run. stopped at the first sample error (sample 's2')",
        ],
        ['sample errors', 's2'],
        ['not run', 's3, s4'],
        [
          'answered from the cache',
          '3 call(s), no request made (rerun with --no-cache to call afresh)',
        ],
      ]),
    );
    expect(
      pageOf(report([result('s1', { contains: 1 })])).datasets[0]?.facts.map(([label]) => label),
    ).toEqual(['samples', 'failures captured', 'duration seconds', 'started', 'run']);
  });

  it('stores sample rows as arrays indexed by the page-wide metric list', () => {
    const r = report([
      result('s1', { contains: 1, 'exact-match': 0 }, { tags: ['geo'] }, 'Paris'),
      result('s2', { contains: 0 }, {}, 'Milan'),
    ]);
    const model = pageOf(r);
    expect(model.metrics).toEqual(['contains', 'exact-match']);
    const [first, second] = model.samples;
    expect(first?.slice(0, 3)).toEqual([0, 's1', ['geo']]);
    expect(first?.[5]).toBe('Paris');
    expect(first?.[6]).toEqual([1, 0]);
    expect(second?.[6]).toEqual([0, null]);
    // The same cells by name, as the page script reads them.
    const field = fieldReader<RunSampleFields>(RUN_COLUMNS);
    expect([field(first ?? [], 'output'), field(second ?? [], 'scores')]).toEqual([
      'Paris',
      [0, null],
    ]);
    expect(model.datasets[0]?.aggregates?.['contains']?.mean).toBe(0.5);
  });

  it('above its row limit, keeps the samples below the pass line, the worst first, and says so', () => {
    const r = report(
      [
        result('s1', { contains: 1 }),
        result('s2', { contains: 0.4 }),
        result('s3', { contains: 0 }),
        result('s4', { contains: 0.9 }),
        result('s5', { contains: 1 }),
        result('s6', { contains: 0.5 }),
      ],
      [failure('s5', 'rouge-l', 'boom')],
    );
    const ids = (model: ReturnType<typeof runPageModel>) =>
      model.samples.map((row) => fieldReader<RunSampleFields>(RUN_COLUMNS)(row, 'id'));
    const page = (maxRows: number) =>
      runPageModel({ title: 't', generator: 'g', outcomes: [outcomeOf(r)], maxRows });
    expect(ids(page(6))).toEqual(['s1', 's2', 's3', 's4', 's5', 's6']);
    expect(page(6).rowsNote).toBeUndefined();
    // s6 sits on its pass line: not below it. s5's failed metric puts it below.
    const fits = page(4);
    expect(ids(fits)).toEqual(['s2', 's3', 's5']);
    expect(fits.rowsNote).toBe(
      'This page shows the 3 samples below the pass line, out of 6: a page holds at most 4 rows. Every aggregate, chart and cohort covers all 6 samples; the JSON report lists each of them.',
    );
    const worst = page(2);
    expect(ids(worst)).toEqual(['s3', 's5']);
    expect(worst.rowsNote).toContain(
      'the 2 samples furthest below the pass line of the 3 below it, out of 6',
    );
    expect(worst.datasets[0]?.aggregates?.['contains']?.mean).toBeCloseTo(3.8 / 6, 12);
  });

  it('above its row limit, a compare page keeps the samples that changed and says so', () => {
    const savedOf = (r: ReturnType<typeof report>) => {
      const read = parseSavedReport(renderJsonReport(r, summarizeReport(r)), 'r.json');
      if (read.kind !== 'dataset') throw new Error('a dataset report');
      return read.report;
    };
    const base = savedOf(
      report([
        result('same', { contains: 1 }),
        result('worse', { contains: 1 }),
        result('better', { contains: 0 }),
        result('gone', { contains: 1 }),
      ]),
    );
    const head = savedOf(
      report([
        result('same', { contains: 1 }),
        result('worse', { contains: 0 }),
        result('better', { contains: 1 }),
        result('new', { contains: 1 }),
      ]),
    );
    const comparison = compareReports(
      { kind: 'dataset', report: base },
      { kind: 'dataset', report: head },
      { baseSource: 'base.json', headSource: 'head.json' },
    );
    const page = (maxRows: number) =>
      comparePageModel({
        title: 't',
        generator: 'g',
        comparison,
        base: new Map([['demo', base]]),
        head: new Map([['demo', head]]),
        maxRows,
      });
    const ids = (model: ReturnType<typeof comparePageModel>) => model.samples.map((row) => row[1]);
    expect(ids(page(5))).toEqual(['same', 'worse', 'better', 'new', 'gone']);
    expect(page(5).rowsNote).toBeUndefined();
    const changed = page(4);
    expect(ids(changed)).toEqual(['worse', 'better', 'new', 'gone']);
    expect(changed.rowsNote).toContain(
      'the 4 samples that changed (regressed, improved or in one run only), out of 5',
    );
    expect(ids(page(2))).toEqual(['worse', 'better']);
    expect(page(2).rowsNote).toContain('the first 2 of the 4 samples that changed');
  });

  it('withholds sample inputs when asked (adversarial sweeps)', () => {
    const r = report([result('s1', { contains: 1 })]);
    const input = (page: ReturnType<typeof pageOf>) =>
      fieldReader<RunSampleFields>(RUN_COLUMNS)(page.samples[0] ?? [], 'input');
    expect(input(pageOf(r))).toBe('{}');
    expect(input(pageOf(r, true))).toBe(WITHHELD_INPUT);
  });
});

describe('compacted metric details', () => {
  it('replaces top-level copies of the output and the expected output by references', () => {
    const details = { expected: 'x', actual: 'Paris', match: false, nested: { actual: 'Paris' } };
    expect(compactDetails(details, { output: 'Paris', expected: 'x' })).toEqual({
      expected: DETAIL_REFS.expected,
      actual: DETAIL_REFS.output,
      match: false,
      nested: { actual: 'Paris' },
    });
    expect(details.actual).toBe('Paris');
  });

  it('leaves details without copies, and values that are not objects, as they are', () => {
    const details = { lcs_tokens: 3 };
    expect(compactDetails(details, { output: 'a', expected: 'b' })).toBe(details);
    expect(compactDetails(null, { output: 'a', expected: 'b' })).toBeNull();
    expect(compactDetails(['a'], { output: 'a', expected: 'b' })).toEqual(['a']);
  });
});
