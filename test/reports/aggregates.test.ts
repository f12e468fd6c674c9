import { describe, expect, it } from 'vitest';
import {
  aggregateScores,
  histogram,
  mean,
  passRate,
  percentile,
  summarizeReport,
  summarizeUsage,
} from '../../src/reports/index.js';
import { createEvalReport } from '../../src/reports/index.js';
import { failure, report, result } from '../helpers/reports.js';

describe('aggregates', () => {
  it('measures duration', () => {
    const r = createEvalReport({
      datasetName: 'd',
      startedAt: 1,
      finishedAt: 3.5,
      sampleResults: [],
      failures: [],
    });
    expect(r.finishedAt - r.startedAt).toBe(2.5);
  });

  it('computes mean, percentiles and pass rate', () => {
    expect(mean([0.2, 0.4, 0.9])).toBeCloseTo(0.5, 12);
    expect(percentile([0, 0.25, 0.5, 0.75, 1], 50)).toBe(0.5);
    expect(percentile([0, 0.25, 0.5, 0.75, 1], 95)).toBeCloseTo(0.95, 12);
    expect(passRate([0.1, 0.4, 0.5, 0.6, 0.9])).toBe(0.6);
    expect(aggregateScores([])).toEqual({ mean: 0, p50: 0, p95: 0, pass_rate: 0 });
  });

  it('handles empty reports and bad percentiles', () => {
    expect(summarizeReport(report([])).macroF1).toBe(0);
    expect(percentile([], 50)).toBe(0);
    expect(percentile([0.5], 101)).toBe(0);
  });

  it('rejects unsupported schema versions', () => {
    expect(() =>
      createEvalReport({
        datasetName: 'd',
        startedAt: 0,
        finishedAt: 0,
        sampleResults: [],
        failures: [],
        schemaVersion: 'eval-harness.report.v999',
      }),
    ).toThrow('unsupported schema version');
    expect(() =>
      createEvalReport({
        datasetName: 'd',
        startedAt: 0,
        finishedAt: 0,
        sampleResults: [],
        failures: [],
        datasetSchemaVersion: 'eval-harness.dataset.v999',
      }),
    ).toThrow('unsupported dataset schema version');
  });

  it('lists failure-only metrics with zero aggregates and skips them in macro-F1', () => {
    const failuresOnly = summarizeReport(
      report(
        [result('a', {}), result('b', {})],
        [failure('a', 'cosine-embedding', 'x'), failure('b', 'cosine-embedding', 'y')],
      ),
    );
    expect(failuresOnly.metricNames).toEqual(['cosine-embedding']);
    expect(failuresOnly.metrics['cosine-embedding']?.mean).toBe(0);
    const mixed = summarizeReport(
      report([result('a', { 'exact-match': 1 })], [failure('a', 'cosine-embedding', 'x')]),
    );
    expect(new Set(mixed.metricNames)).toEqual(new Set(['exact-match', 'cosine-embedding']));
    const macro = summarizeReport(
      report(
        [result('a', { A: 1 }), result('b', { A: 0 })],
        [failure('a', 'B', 'x'), failure('b', 'B', 'x')],
      ),
    );
    expect(macro.macroF1).toBe(0.5);
  });
});

describe('cohorts', () => {
  it('groups by tags, untagged last', () => {
    const summary = summarizeReport(
      report([
        result('s1', { m: 1 }, { tags: ['geography', 'easy'] }),
        result('s2', { m: 0 }, { tags: 'geography' }),
        result('s3', { m: 0.5 }),
      ]),
    );
    expect(summary.cohorts.map((c) => c.name)).toEqual(['easy', 'geography', null]);
    expect(summary.cohorts.map((c) => c.sample_count)).toEqual([1, 2, 1]);
    expect(summary.cohorts.map((c) => c.metrics['m']?.mean)).toEqual([1, 0.5, 0.5]);
    expect(summary.cohorts[2]).toMatchObject({ label: '(untagged)', is_untagged: true });
  });

  it('never merges a literal untagged tag with the untagged cohort', () => {
    const summary = summarizeReport(
      report([result('s1', { m: 1 }, { tags: ['__untagged__'] }), result('s2', { m: 0 })]),
    );
    expect(summary.cohorts.map((c) => [c.name, c.is_untagged, c.metrics['m']?.mean])).toEqual([
      ['__untagged__', false, 1],
      [null, true, 0],
    ]);
  });

  it('sorts by code point (uppercase first)', () => {
    const summary = summarizeReport(
      report([result('s1', { m: 1 }, { tags: ['b', 'B', 'a', ' a ', 5, ''] })]),
    );
    expect(summary.cohorts.map((c) => c.name)).toEqual(['B', 'a', 'b']);
  });
});

describe('adversarial summary', () => {
  const pi = {
    adversarial: {
      category: 'prompt-injection',
      label: 'Prompt injection',
      severity: 'high',
      compliance_frameworks: ['OWASP LLM', 'NIST AI RMF'],
    },
  };
  const pii = {
    adversarial: {
      category: 'pii-leak',
      label: 'PII leak',
      severity: 'critical',
      compliance_frameworks: ['OWASP LLM', 'NIST AI RMF', 'EU AI Act', 'OWASP LLM'],
    },
  };

  it('summarises categories and frameworks', () => {
    const summary = summarizeReport(
      report([result('a', { m: 1 }, pi), result('b', { m: 0 }, pii), result('c', { m: 1 })]),
    ).adversarial;
    expect(summary.total_samples).toBe(2);
    expect(summary.categories.map((c) => c.category)).toEqual(['pii-leak', 'prompt-injection']);
    expect(summary.categories[0]?.compliance_frameworks).toEqual([
      'EU AI Act',
      'NIST AI RMF',
      'OWASP LLM',
    ]);
    expect(summary.categories.map((c) => c.metrics['m']?.mean)).toEqual([0, 1]);
    expect(summary.compliance_frameworks).toContainEqual({
      framework: 'EU AI Act',
      sample_count: 1,
      categories: ['pii-leak'],
    });
    expect(summary.compliance_frameworks).toContainEqual({
      framework: 'NIST AI RMF',
      sample_count: 2,
      categories: ['pii-leak', 'prompt-injection'],
    });
  });

  it('ignores malformed adversarial metadata', () => {
    expect(
      summarizeReport(
        report([result('a', { m: 1 }, { adversarial: { label: 'missing category' } })]),
      ).adversarial,
    ).toEqual({
      total_samples: 0,
      categories: [],
      compliance_frameworks: [],
    });
  });

  it('keeps the highest severity', () => {
    const sev = (severity?: string) => ({
      adversarial: { category: 'tool-abuse', ...(severity === undefined ? {} : { severity }) },
    });
    const severityOf = (...severities: (string | undefined)[]) =>
      summarizeReport(report(severities.map((s, i) => result(`s${i}`, { m: 1 }, sev(s)))))
        .adversarial.categories[0]?.severity;
    expect(severityOf(undefined, 'high', 'critical')).toBe('critical');
    expect(severityOf('high', 'High')).toBe('High');
    expect(severityOf('urgent', 'low')).toBe('low');
    expect(severityOf(undefined)).toBeNull();
  });
});

describe('histograms', () => {
  it('places scores in buckets', () => {
    expect(histogram([0, 0.05, 0.5, 1], 2)).toEqual([
      { min: 0, max: 0.5, count: 2 },
      { min: 0.5, max: 1, count: 2 },
    ]);
    expect(histogram([], 2)).toEqual([
      { min: 0, max: 0.5, count: 0 },
      { min: 0.5, max: 1, count: 0 },
    ]);
    const three = histogram([1], 3);
    expect(three[2]).toEqual({ min: 0.6666666667, max: 1, count: 1 });
    const ten = histogram([0.7 - 0.4]);
    expect(ten[2]).toEqual({ min: 0.2, max: 0.3, count: 0 });
    expect(ten[3]).toEqual({ min: 0.3, max: 0.4, count: 1 });
    const third = histogram([1 / 3], 3);
    expect([third[0]?.count, third[1]?.count]).toEqual([0, 1]);
  });
});

describe('usage summary', () => {
  it('sums valid fields and counts what was reported', () => {
    expect(
      summarizeUsage([
        {
          prompt_tokens: 10,
          completion_tokens: 4,
          total_tokens: 14,
          cost_usd: 0.001,
          latency_ms: 120.5,
        },
        { prompt_tokens: '8', completion_tokens: '2', total_cost_usd: '0.0005', latency_ms: 80 },
      ]),
    ).toEqual({
      observations: 2,
      prompt_tokens: 18,
      completion_tokens: 6,
      total_tokens: 14,
      cost_usd: 0.0015,
      reported: {
        prompt_tokens: 2,
        completion_tokens: 2,
        total_tokens: 1,
        cost_usd: 2,
        latency_ms: 2,
      },
      latency_ms: { count: 2, total: 200.5, mean: 100.25, max: 120.5 },
    });
  });

  it('ignores invalid values and counts zero as reported', () => {
    expect(
      summarizeUsage([
        { prompt_tokens: -1, completion_tokens: 'nan', cost_usd: '1e309', latency_ms: Infinity },
      ]).observations,
    ).toBe(0);
    const zero = summarizeUsage([{ completion_tokens: 0, latency_ms: 42 }]);
    expect(zero.observations).toBe(1);
    expect(zero.reported).toEqual({
      prompt_tokens: 0,
      completion_tokens: 1,
      total_tokens: 0,
      cost_usd: 0,
      latency_ms: 1,
    });
    expect(zero.latency_ms.mean).toBe(42);
  });

  it('reads usage from failure details too', () => {
    const summary = summarizeReport(
      report(
        [result('a', {})],
        [
          failure('a', 'judge', 'x', {
            usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11, latency_ms: 33 },
          }),
        ],
      ),
    );
    expect(summary.usage).toMatchObject({
      observations: 1,
      prompt_tokens: 9,
      completion_tokens: 2,
      total_tokens: 11,
      reported: { prompt_tokens: 1 },
      latency_ms: { max: 33 },
    });
  });
});
