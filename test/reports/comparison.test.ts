import { describe, expect, it } from 'vitest';
import { EXIT_CODES, EvalRunError, ReportFileError } from '../../src/errors.js';
import { MARKDOWN_LIST_CAP } from '../../src/reports/comparison-renderer.js';
import {
  buildComparisonJson,
  checkComparisonGateMetrics,
  comparedMetrics,
  compareReports,
  evaluateComparisonGates,
  parseMaxDropGate,
  parseMaxRegressedGate,
  parseSavedReport,
  renderComparison,
  renderComparisonMarkdown,
  renderJsonReport,
  savedReportOf,
  summarizeReport,
  type EvalReport,
  type SavedReport,
} from '../../src/reports/index.js';
import { failure, report, result } from '../helpers/reports.js';

/** A report as `run --json` writes it, read back as `compare` reads it. */
function saved(r: EvalReport): SavedReport {
  return parseSavedReport(renderJsonReport(r, summarizeReport(r)), 'mem.json');
}

const sources = { base: 'base.json', head: 'head.json' };
const base = report(
  [
    result('a', { contains: 1, 'exact-match': 1 }, { tags: ['geo'] }),
    result('b', { contains: 1, 'exact-match': 0 }, { tags: ['geo', 'hard'] }),
    result('c', { contains: 0, 'exact-match': 0 }),
    result('gone', { contains: 1, 'exact-match': 1 }),
  ],
  [failure('c', 'contains', 'boom')],
);
const head = report(
  [
    result('a', { contains: 0, 'exact-match': 0 }, { tags: ['geo'] }),
    result('b', { contains: 1, 'exact-match': 1 }, { tags: ['geo', 'hard'] }),
    result('c', { contains: 0, 'exact-match': 0 }),
    result('new', { contains: 1, 'exact-match': 1 }),
  ],
  [failure('new', 'exact-match', 'timeout')],
);

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('reading a saved report', () => {
  it('reads a dataset report written by the JSON renderer', () => {
    const read = saved(base);
    expect(read.kind).toBe('dataset');
    if (read.kind !== 'dataset') return;
    expect(read.report.dataset).toBe('demo');
    expect(read.report.samples.map((s) => s.id)).toEqual(['a', 'b', 'c', 'gone']);
    expect(read.report.metrics['contains']?.mean).toBe(0.75);
  });

  it('reads an eval-set report and keeps its datasets in run order', () => {
    const text = JSON.stringify({
      schema_version: 'eval-harness.eval-set-run.v1',
      eval_set: 'nightly',
      reports: [JSON.parse(renderJsonReport(base, summarizeReport(base)))],
    });
    const read = parseSavedReport(text, 'set.json');
    expect(read).toMatchObject({ kind: 'eval-set', evalSet: 'nightly' });
  });

  it.each([
    ['not JSON', '{oops', /^bad\.json is not JSON \(.+\); pass a report written with --json\.$/],
    ['JSON of something else', '{"name":"x"}', /^bad\.json is not a report of eval-harness/],
    ['an array', '[1,2]', /^bad\.json is not a report of eval-harness/],
    [
      'an unknown schema_version',
      '{"schema_version":"eval-harness.report.v9"}',
      /^bad\.json has schema_version 'eval-harness\.report\.v9', which this version cannot compare/,
    ],
    [
      'a report with a field of the wrong type',
      JSON.stringify({ ...JSON.parse(renderJsonReport(base, summarizeReport(base))), samples: 3 }),
      /^bad\.json/,
    ],
  ])('rejects %s with one line naming the file, as bad input', (_name, text, message) => {
    const error = errorOf(() => parseSavedReport(text, 'bad.json'));
    expect(error).toBeInstanceOf(ReportFileError);
    expect((error as ReportFileError).exitCode).toBe(EXIT_CODES.badInput);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
  });
});

describe('comparing two reports of one dataset', () => {
  const comparison = compareReports(saved(base), saved(head), {
    baseSource: 'base.json',
    headSource: 'head.json',
  });
  const dataset = comparison.datasets[0]!;

  it('gives base, head and delta of every metric aggregate and of macro-F1', () => {
    expect(dataset.metrics['contains']?.mean).toEqual({ base: 0.75, head: 0.5, delta: -0.25 });
    expect(dataset.metrics['exact-match']?.pass_rate).toEqual({
      base: 0.5,
      head: 0.5,
      delta: 0,
    });
    expect(dataset.macro_f1.delta).toBeCloseTo(
      (dataset.macro_f1.head ?? 0) - (dataset.macro_f1.base ?? 0),
    );
  });

  it('pairs samples by id and lists the ones that crossed the pass line with both scores', () => {
    expect(dataset.samples.paired).toBe(3);
    expect(dataset.samples.regressed).toEqual([
      { id: 'a', metric: 'contains', base: 1, head: 0 },
      { id: 'a', metric: 'exact-match', base: 1, head: 0 },
    ]);
    expect(dataset.samples.improved).toEqual([
      { id: 'b', metric: 'exact-match', base: 0, head: 1 },
    ]);
    expect(dataset.samples.only_in_base).toEqual(['gone']);
    expect(dataset.samples.only_in_head).toEqual(['new']);
  });

  it('lists captured failures added and resolved', () => {
    expect(dataset.failures.added).toEqual([
      { sample_id: 'new', metric: 'exact-match', error: 'timeout' },
    ]);
    expect(dataset.failures.resolved).toEqual([
      { sample_id: 'c', metric: 'contains', error: 'boom' },
    ]);
  });

  it('gives cohort deltas by tag', () => {
    const geo = dataset.cohorts.find((cohort) => cohort.tag === 'geo');
    expect(geo?.metrics['contains']?.mean).toEqual({ base: 1, head: 0.5, delta: -0.5 });
  });

  it('refuses two different datasets, naming both files, unless the mismatch is allowed', () => {
    const other = report([result('a', { contains: 1 })], [], 0, 1, 'other');
    const error = errorOf(() =>
      compareReports(saved(base), saved(other), { baseSource: 'b.json', headSource: 'h.json' }),
    );
    expect(error).toBeInstanceOf(ReportFileError);
    expect(error.message).toBe(
      "b.json is a report of dataset 'demo' and h.json of 'other'; compare two runs of one dataset, or pass --allow-dataset-mismatch.",
    );
    const allowed = compareReports(saved(base), saved(other), {
      baseSource: 'b.json',
      headSource: 'h.json',
      allowDatasetMismatch: true,
    });
    expect(allowed.datasets[0]).toMatchObject({ dataset: 'other', base_dataset: 'demo' });
  });

  it('refuses a dataset report compared with an eval-set report', () => {
    const evalSet: SavedReport = { kind: 'eval-set', evalSet: 'nightly', reports: [] };
    const error = errorOf(() =>
      compareReports(saved(base), evalSet, { baseSource: 'b.json', headSource: 'h.json' }),
    );
    expect(error.message).toBe(
      'b.json is a dataset report and h.json is an eval-set report; compare two reports of the same kind.',
    );
  });

  it('compares a finished run the same way as its saved report', () => {
    const fromRun = compareReports(
      saved(base),
      { kind: 'dataset', report: savedReportOf(head, summarizeReport(head)) },
      { baseSource: 'base.json', headSource: 'this run' },
    );
    expect(fromRun).toEqual(comparison);
  });
});

describe('comparing eval sets', () => {
  const set = (name: string, reports: EvalReport[]): SavedReport => ({
    kind: 'eval-set',
    evalSet: name,
    reports: reports.map((r) => {
      const read = saved(r);
      if (read.kind !== 'dataset') throw new Error('expected a dataset report');
      return read.report;
    }),
  });
  const named = (r: EvalReport, name: string) =>
    report(
      [...r.sampleResults].map((s) => s),
      [...r.failures],
      0,
      1,
      name,
    );

  it('pairs datasets by name and lists the ones present on one side only', () => {
    const comparison = compareReports(
      set('nightly', [named(base, 'qa'), named(base, 'old')]),
      set('nightly', [named(head, 'qa'), named(head, 'fresh')]),
      { baseSource: 'b', headSource: 'h' },
    );
    expect(comparison.kind).toBe('eval-set');
    expect(comparison.datasets.map((d) => d.dataset)).toEqual(['qa']);
    expect(comparison.datasets_only_in_base).toEqual(['old']);
    expect(comparison.datasets_only_in_head).toEqual(['fresh']);
  });

  it('refuses two different eval sets', () => {
    expect(() =>
      compareReports(set('a', []), set('b', []), { baseSource: 'b.json', headSource: 'h.json' }),
    ).toThrow("b.json is a report of eval set 'a' and h.json of 'b'");
  });
});

describe('comparison gates', () => {
  const comparison = compareReports(saved(base), saved(head), {
    baseSource: 'b',
    headSource: 'h',
  });

  it('parses --max-drop with the mean as the default aggregate', () => {
    expect(parseMaxDropGate('contains=5')).toEqual({
      kind: 'max-drop',
      metric: 'contains',
      aggregate: 'mean',
      maxDropPoints: 5,
    });
    expect(parseMaxDropGate('rouge-l:p95=2.5')).toMatchObject({ aggregate: 'p95' });
    expect(parseMaxDropGate('macro_f1=1')).toMatchObject({ aggregate: 'macro_f1' });
  });

  it.each(['contains', 'contains=', 'contains=-1', 'contains=abc', 'contains:p99=5', ':mean=5'])(
    'rejects --max-drop %j as bad input naming the flag',
    (text) => {
      const error = errorOf(() => parseMaxDropGate(text));
      expect(error).toBeInstanceOf(EvalRunError);
      expect(error.message).toMatch(/^Invalid --max-drop /);
    },
  );

  it.each(['', '-1', '1.5', 'many'])('rejects --max-regressed %j', (text) => {
    expect(() => parseMaxRegressedGate(text)).toThrow(/^Invalid --max-regressed /);
  });

  it('fails a drop above the limit and passes a drop of exactly the limit', () => {
    const [failed, atLimit] = evaluateComparisonGates(comparison, [
      parseMaxDropGate('contains=10'),
      parseMaxDropGate('contains=25'),
    ]);
    expect(failed).toMatchObject({ passed: false, actual: 25, limit: 10, dataset: 'demo' });
    expect(failed?.message).toBe(
      'Comparison gate failed (demo): contains:mean dropped by 25.00 percentage points (0.7500 -> 0.5000), above --max-drop 10 (rule: point estimate)',
    );
    expect(atLimit).toMatchObject({ passed: true, message: null });
  });

  it('counts regressed samples once however many metrics crossed', () => {
    const [zero, one] = evaluateComparisonGates(comparison, [
      parseMaxRegressedGate('0'),
      parseMaxRegressedGate('1'),
    ]);
    expect(zero).toMatchObject({ passed: false, actual: 1, gate: '--max-regressed 0' });
    expect(zero?.message).toBe(
      'Comparison gate failed: 1 sample(s) crossed the pass line downwards, above --max-regressed 0 (rule: count)',
    );
    expect(one?.passed).toBe(true);
  });

  it('fails a max-drop gate whose metric is missing from one side', () => {
    const onlyHead = report([result('a', { contains: 1, fresh: 1 })]);
    const withFresh = compareReports(saved(base), saved(onlyHead), {
      baseSource: 'b',
      headSource: 'h',
    });
    const [gate] = evaluateComparisonGates(withFresh, [parseMaxDropGate('fresh=100')]);
    expect(gate?.passed).toBe(false);
    expect(gate?.message).toContain('fresh:mean is missing from the base report');
  });

  it('rejects a --max-drop metric that neither report has', () => {
    expect(() =>
      checkComparisonGateMetrics(
        [parseMaxDropGate('contain=5')],
        comparedMetrics(comparison),
        'neither report has',
      ),
    ).toThrow(
      "--max-drop names metric 'contain', which neither report has (metrics: contains, exact-match).",
    );
  });
});

describe('comparison renderers', () => {
  const comparison = compareReports(saved(base), saved(head), {
    baseSource: 'b',
    headSource: 'h',
  });
  const gates = evaluateComparisonGates(comparison, [parseMaxRegressedGate('0')]);

  it('writes JSON with the comparison schema version, the sources and the gates', () => {
    const json = buildComparisonJson(comparison, sources, gates);
    expect(Object.keys(json)).toEqual([
      'schema_version',
      'kind',
      'base',
      'head',
      'pass_threshold',
      'confidence',
      'datasets',
      'gates',
    ]);
    expect(json['schema_version']).toBe('eval-harness.comparison.v1');
    expect(json['gates']).toEqual([
      {
        kind: 'max-regressed',
        gate: '--max-regressed 0',
        dataset: null,
        passed: false,
        actual: 1,
        limit: 0,
        rule: 'count',
      },
    ]);
  });

  it('puts the regressed samples before everything else about the samples', () => {
    const markdown = renderComparisonMarkdown(comparison, sources, gates);
    expect(markdown).toMatch(/^# Comparison — demo\n/);
    expect(markdown).toContain('| --max-regressed 0 | all | 1 | 0 | FAIL | count |');
    const order = ['Regressed', 'Failures added', 'Metrics', 'Improved', 'Failures resolved'].map(
      (title) => markdown.indexOf(`### ${title}`),
    );
    expect(order.every((index) => index > 0)).toBe(true);
    expect([...order].sort((x, y) => x - y)).toEqual(order);
    expect(markdown).toContain('| a | contains | 1.0000 | 0.0000 |');
  });

  it('caps long lists and says how many more there are', () => {
    const many = MARKDOWN_LIST_CAP + 7;
    const ids = Array.from({ length: many }, (_, i) => `s${i}`);
    const passing = report(ids.map((id) => result(id, { contains: 1 })));
    const failing = report(ids.map((id) => result(id, { contains: 0 })));
    const markdown = renderComparisonMarkdown(
      compareReports(saved(passing), saved(failing), { baseSource: 'b', headSource: 'h' }),
      sources,
    );
    expect(markdown).toContain(`| s${MARKDOWN_LIST_CAP - 1} | contains |`);
    expect(markdown).not.toContain(`| s${MARKDOWN_LIST_CAP} | contains |`);
    expect(markdown).toContain('| … and 7 more |');
  });

  it('renders a run report section one heading level below the report', () => {
    const section = renderComparison(comparison, sources).markdown;
    expect(section).toMatch(/^## Comparison — demo\n/);
    expect(section).toContain('\n### demo\n');
    expect(section).not.toMatch(/^# /m);
  });

  it('shows strings from reports as Markdown cell text', () => {
    const odd = report([result('x|y', { contains: 1 })]);
    const worse = report([result('x|y', { contains: 0 })]);
    const markdown = renderComparisonMarkdown(
      compareReports(saved(odd), saved(worse), { baseSource: 'b', headSource: 'h' }),
      sources,
    );
    expect(markdown).toContain('| x\\|y | contains |');
  });
});
