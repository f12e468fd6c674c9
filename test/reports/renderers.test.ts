import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  buildReportJson,
  createEvalReport,
  evaluateScoreGates,
  parseScoreGate,
  renderJsonReport,
  renderJunitReport,
  renderJunitReports,
  renderMarkdownReport,
  summarizeReport,
  type EvalReport,
} from '../../src/reports/index.js';
import { failure, report, result } from '../helpers/reports.js';

const em = (expected: string, actual: string) => ({
  score: expected === actual ? 1 : 0,
  details: { expected, actual, match: expected === actual },
});
const worked = (): EvalReport =>
  report([
    result('s1', { 'exact-match': em('Paris', 'Paris') }, { tags: ['geo'] }, 'Paris'),
    result('s2', { 'exact-match': em('Rome', 'Milan') }, {}, 'Milan'),
  ]);
const json = (r: EvalReport) =>
  JSON.parse(renderJsonReport(r, summarizeReport(r))) as Record<string, unknown>;
const markdown = (r: EvalReport) => renderMarkdownReport(r, summarizeReport(r));
const bucket = (min: number, max: number, count: number) => ({ min, max, count });
const zeroAggregate = { mean: 0, p50: 0, p95: 0, pass_rate: 0 };

describe('JSON report', () => {
  it('reproduces the worked example', () => {
    const text = renderJsonReport(worked(), summarizeReport(worked()));
    expect(text.endsWith('}')).toBe(true);
    expect(text).toContain('\n    "schema_version": "eval-harness.report.v1",\n');
    expect(JSON.parse(text)).toEqual({
      schema_version: 'eval-harness.report.v1',
      dataset_schema_version: 'eval-harness.dataset.v1',
      dataset: 'demo',
      started_at: 0,
      finished_at: 1.5,
      duration_seconds: 1.5,
      total_samples: 2,
      total_failures: 0,
      status: 'complete',
      stop_reason: null,
      dataset_samples: 2,
      errored_samples: 0,
      not_run_samples: 0,
      pass_lines: {},
      metrics: { 'exact-match': { mean: 0.5, p50: 0.5, p95: 0.95, pass_rate: 0.5 } },
      metric_distributions: {
        'exact-match': [
          bucket(0, 0.1, 1),
          bucket(0.1, 0.2, 0),
          bucket(0.2, 0.3, 0),
          bucket(0.3, 0.4, 0),
          bucket(0.4, 0.5, 0),
          bucket(0.5, 0.6, 0),
          bucket(0.6, 0.7, 0),
          bucket(0.7, 0.8, 0),
          bucket(0.8, 0.9, 0),
          bucket(0.9, 1, 1),
        ],
      },
      usage: {
        observations: 0,
        prompt_tokens: 0,
        completion_tokens: 0,
        total_tokens: 0,
        cost_usd: 0,
        reported: {
          prompt_tokens: 0,
          completion_tokens: 0,
          total_tokens: 0,
          cost_usd: 0,
          latency_ms: 0,
        },
        latency_ms: { count: 0, total: 0, mean: 0, max: 0 },
      },
      cohorts: [
        {
          name: 'geo',
          label: 'geo',
          is_untagged: false,
          sample_count: 1,
          metrics: { 'exact-match': { mean: 1, p50: 1, p95: 1, pass_rate: 1 } },
        },
        {
          name: null,
          label: '(untagged)',
          is_untagged: true,
          sample_count: 1,
          metrics: { 'exact-match': zeroAggregate },
        },
      ],
      adversarial: { total_samples: 0, categories: [], compliance_frameworks: [] },
      macro_f1: 0.5,
      samples: [
        {
          id: 's1',
          tags: ['geo'],
          adversarial: null,
          actual_output: 'Paris',
          scores: {
            'exact-match': {
              score: 1,
              details: { expected: 'Paris', actual: 'Paris', match: true },
            },
          },
        },
        {
          id: 's2',
          tags: [],
          adversarial: null,
          actual_output: 'Milan',
          scores: {
            'exact-match': {
              score: 0,
              details: { expected: 'Rome', actual: 'Milan', match: false },
            },
          },
        },
      ],
      failures: [],
      sample_errors: [],
      not_run: [],
    });
  });

  it('keeps the 24 top-level keys in order for an empty report', () => {
    const parsed = json(report([]));
    expect(Object.keys(parsed)).toEqual([
      'schema_version',
      'dataset_schema_version',
      'dataset',
      'started_at',
      'finished_at',
      'duration_seconds',
      'total_samples',
      'total_failures',
      'status',
      'stop_reason',
      'dataset_samples',
      'errored_samples',
      'not_run_samples',
      'pass_lines',
      'metrics',
      'metric_distributions',
      'usage',
      'cohorts',
      'adversarial',
      'macro_f1',
      'samples',
      'failures',
      'sample_errors',
      'not_run',
    ]);
    expect(parsed['metrics']).toEqual({});
  });

  it('never emits metadata, and only the safe adversarial subset', () => {
    const adversarial = {
      category: 'prompt-injection',
      label: 'Prompt injection',
      severity: 'high',
      compliance_frameworks: ['OWASP LLM', 'NIST AI RMF'],
      raw_prompt: 'IGNORE ALL',
    };
    const r = report([
      result(
        's1',
        { m: { score: 1, details: { match: true } } },
        { tags: ['safe'], token: 'secret-token' },
      ),
      result('s2', { m: 1 }, { adversarial, refusal_policy: 'Disallow secrets.' }),
    ]);
    const text = renderJsonReport(r, summarizeReport(r));
    expect(text).not.toContain('secret-token');
    expect(text).not.toContain('IGNORE ALL');
    expect(text).not.toContain('Disallow secrets');
    const samples = json(r)['samples'] as Record<string, unknown>[];
    expect(samples[0]).toEqual({
      id: 's1',
      tags: ['safe'],
      adversarial: null,
      actual_output: 'out',
      scores: { m: { score: 1, details: { match: true } } },
    });
    expect(samples[1]?.['adversarial']).toEqual({
      category: 'prompt-injection',
      label: 'Prompt injection',
      severity: 'high',
      compliance_frameworks: ['OWASP LLM', 'NIST AI RMF'],
    });
  });

  it('lists failures and usage', () => {
    const r = report(
      [
        result('s1', {
          j: {
            score: 1,
            details: {
              usage: {
                prompt_tokens: 12,
                completion_tokens: 3,
                total_tokens: 15,
                cost_usd: 0.002,
                latency_ms: 99,
              },
            },
          },
        }),
      ],
      [failure('s1', 'llm-as-judge', 'boom')],
    );
    const parsed = json(r);
    expect(parsed['total_failures']).toBe(1);
    expect(parsed['failures']).toEqual([
      { sample_id: 's1', metric: 'llm-as-judge', error: 'boom' },
    ]);
    expect(parsed['usage']).toMatchObject({
      observations: 1,
      prompt_tokens: 12,
      completion_tokens: 3,
      total_tokens: 15,
      cost_usd: 0.002,
      latency_ms: { mean: 99 },
    });
  });

  it('fails to encode ill-formed strings instead of escaping them', () => {
    const r = report([result('s1', { m: 1 }, {}, 'ok\uD800')]);
    expect(() => renderJsonReport(r, summarizeReport(r))).toThrow(
      'Failed to encode report as JSON',
    );
  });

  it('appends gates as the last key only when used', () => {
    const r = worked();
    const summary = summarizeReport(r);
    expect(Object.keys(buildReportJson(r, summary))).not.toContain('gates');
    const gates = evaluateScoreGates(
      [parseScoreGate('exact-match=0.6'), parseScoreGate('macro_f1=0.5')],
      summary,
    );
    const keys = Object.keys(buildReportJson(r, summary, { gates }));
    expect(keys.at(-1)).toBe('gates');
    expect(gates).toEqual([
      { metric: 'exact-match', aggregate: 'mean', threshold: 0.6, actual: 0.5, passed: false },
      { metric: 'macro_f1', aggregate: 'macro_f1', threshold: 0.5, actual: 0.5, passed: true },
    ]);
  });
});

describe('score gates', () => {
  it('parses metric, aggregate and value', () => {
    expect(parseScoreGate('rouge-l:p95=0.7')).toEqual({
      metric: 'rouge-l',
      aggregate: 'p95',
      threshold: 0.7,
    });
    expect(parseScoreGate('exact-match=1')).toEqual({
      metric: 'exact-match',
      aggregate: 'mean',
      threshold: 1,
    });
    expect(() => parseScoreGate('exact-match:median=0.5')).toThrow(
      "unsupported aggregate 'median'",
    );
    expect(() => parseScoreGate('exact-match=1.5')).toThrow('must be a number in [0, 1]');
    expect(() => parseScoreGate('exact-match')).toThrow('must look like metric=0.8');
    expect(() => parseScoreGate('exact-match=')).toThrow('must be a number in [0, 1]');
  });
});

const WORKED_MARKDOWN = `# Eval report — demo

_Run completed in 1.50s over 2 samples (0 failures captured)._

**Run complete: 2 of 2 sample(s) scored, 0 errored, 0 not run.**

## Summary

| total samples | total failures | duration seconds |
| --- | --- | --- |
| 2 | 0 | 1.50 |

## Per-metric aggregates

| metric | pass line | mean | p50 | p95 | pass-rate |
| --- | --- | --- | --- | --- | --- |
| exact-match | >= 0.5 | 0.5000 | 0.5000 | 0.9500 | 0.5000 |

## Macro-F1 (avg pass-rate across all metrics): 0.5000

## Cohorts by metadata.tags

| cohort | samples | metric | mean | p50 | p95 | pass-rate |
| --- | --- | --- | --- | --- | --- | --- |
| geo | 1 | exact-match | 1.0000 | 1.0000 | 1.0000 | 1.0000 |
| (untagged) | 1 | exact-match | 0.0000 | 0.0000 | 0.0000 | 0.0000 |

## Score histograms

### exact-match

| score range | count |
| --- | --- |
| 0.0-0.1 | 1 |
| 0.1-0.2 | 0 |
| 0.2-0.3 | 0 |
| 0.3-0.4 | 0 |
| 0.4-0.5 | 0 |
| 0.5-0.6 | 0 |
| 0.6-0.7 | 0 |
| 0.7-0.8 | 0 |
| 0.8-0.9 | 0 |
| 0.9-1.0 inclusive | 1 |

## Samples below the pass line (1)

| sample | below the line | expected | actual |
| --- | --- | --- | --- |
| <code>s2</code> | exact-match 0.00 &lt; 0.5 | x | Milan |

`;

describe('Markdown report', () => {
  it('reproduces the worked example byte for byte', () => {
    expect(markdown(worked())).toBe(WORKED_MARKDOWN);
  });

  it('renders only sections 1-5 for an empty report', () => {
    const text = markdown(report([], [], 0, 0));
    expect(text).toContain('## Macro-F1 (avg pass-rate across all metrics): 0.0000\n\n');
    expect(text).not.toContain('## Cohorts');
    expect(text).not.toContain('## Score histograms');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('shows the sections that have data', () => {
    const basic = markdown(
      report([result('a', { 'exact-match': 1 }), result('b', { 'exact-match': 0 })]),
    );
    for (const part of [
      '# Eval report — demo',
      '## Summary',
      '| exact-match |',
      '## Macro-F1',
      '## Cohorts by metadata.tags',
      '## Score histograms',
      '(untagged)',
      '| 0.0-0.1 |',
    ]) {
      expect(basic).toContain(part);
    }
    for (const absent of ['## Adversarial coverage', '## Usage summary', '## Failures'])
      expect(basic).not.toContain(absent);
    const usage = markdown(
      report([
        result('a', {
          j: {
            score: 1,
            details: {
              usage: {
                prompt_tokens: 7,
                completion_tokens: 3,
                total_tokens: 10,
                cost_usd: 0.001,
                latency_ms: 50,
              },
            },
          },
        }),
      ]),
    );
    expect(usage).toContain(
      '| observations | prompt tokens | completion tokens | total tokens | cost USD | mean latency ms | max latency ms |',
    );
    expect(usage).toContain('| 1 | 7 | 3 | 10 | 0.001000 | 50.00 | 50.00 |');
    const latencyOnly = markdown(
      report([result('a', { j: { score: 1, details: { usage: { latency_ms: 50 } } } })]),
    );
    expect(latencyOnly).toContain('| 1 | n/a | n/a | n/a | n/a | 50.00 | 50.00 |');
  });

  it('renders adversarial coverage', () => {
    const metadata = {
      adversarial: {
        category: 'prompt-injection',
        label: 'Prompt injection',
        severity: 'high',
        compliance_frameworks: ['OWASP LLM', 'NIST AI RMF'],
      },
    };
    const text = markdown(report([result('a', { 'exact-match': 1 }, metadata)]));
    expect(text).toContain(
      '| prompt-injection | Prompt injection | high | 1 | NIST AI RMF, OWASP LLM | exact-match | 1.0000 | 1.0000 | 1.0000 | 1.0000 |',
    );
    expect(text).toContain('### Compliance frameworks');
    expect(text).toContain('| NIST AI RMF | 1 | prompt-injection |');
    expect(text).toContain('| OWASP LLM | 1 | prompt-injection |');
  });

  it('lists failures and escapes them', () => {
    expect(
      markdown(report([result('s1', {})], [failure('s1', 'llm-as-judge', 'timeout')])),
    ).toContain('- **sample <code>s1</code> / metric <code>llm-as-judge</code>** - timeout');
    const text = markdown(report([], [failure('s`1\nnext', 'metric`name', 'boom\n`code`')]));
    expect(text).toContain('sample <code>s`1 next</code>');
    expect(text).toContain('metric <code>metric`name</code>');
    expect(text).toContain('boom \\`code\\`');
    expect(text).not.toContain('s`1\nnext');
  });

  it('escapes table cells and headings', () => {
    const text = markdown(
      report([result('a', { 'exact|match\nbad`metric': 1 }, { tags: ['geo|bad\nline`tick'] })]),
    );
    expect(text).toContain('geo\\|bad line\\`tick');
    expect(text).toContain('| exact\\|match bad\\`metric |');
    expect(text).toContain('### exact|match bad\\`metric');
  });

  it('HTML-escapes user text', () => {
    const r = report(
      [
        result(
          'a',
          { '<metric onmouseover="x">|quality': 1 },
          { tags: ['<img src=x onerror=alert(1)>|geo'] },
        ),
      ],
      [failure('s<1>', 'm<2>', 'x')],
      0,
      1,
      'demo <script>alert("dataset")</script>',
    );
    const text = markdown(r);
    expect(text).toContain('demo &lt;script&gt;alert(&quot;dataset&quot;)&lt;/script&gt;');
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt;\\|geo');
    expect(text).toContain('&lt;metric onmouseover=&quot;x&quot;&gt;\\|quality');
    expect(text).toContain('<code>s&lt;1&gt;</code>');
    expect(text).toContain('<code>m&lt;2&gt;</code>');
    for (const raw of ['<script', '<img', '<metric']) expect(text).not.toContain(raw);
  });

  it('adds a score gate section only when gates are used', () => {
    const r = worked();
    const summary = summarizeReport(r);
    const gates = evaluateScoreGates([parseScoreGate('exact-match=0.6')], summary);
    const text = renderMarkdownReport(r, summary, { gates });
    expect(text.startsWith(WORKED_MARKDOWN)).toBe(true);
    expect(text).toContain('| exact-match | mean | 0.6000 | 0.5000 | FAIL |');
  });
});

/** The worked example, stopped after s1: s2's SUT call failed, s3 never ran. */
const stopped = (): EvalReport =>
  createEvalReport({
    ...worked(),
    sampleResults: [...worked().sampleResults].slice(0, 1),
    status: 'stopped-on-error',
    stopReason: "stopped at the first sample error (sample 's2')",
    sampleErrors: [
      {
        sampleId: 's2',
        error:
          "System-under-test failed for sample 's2' after 3 attempts: HTTP SUT answered HTTP 503",
        attempts: 3,
      },
    ],
    notRun: ['s3'],
  });

describe('a run that stopped early', () => {
  it('says in JSON how it ended, which samples errored and which never ran', () => {
    const parsed = json(stopped());
    expect(parsed).toMatchObject({
      total_samples: 1,
      status: 'stopped-on-error',
      stop_reason: "stopped at the first sample error (sample 's2')",
      dataset_samples: 3,
      errored_samples: 1,
      not_run_samples: 1,
      sample_errors: [
        {
          id: 's2',
          error:
            "System-under-test failed for sample 's2' after 3 attempts: HTTP SUT answered HTTP 503",
          attempts: 3,
        },
      ],
      not_run: ['s3'],
    });
    expect((parsed['samples'] as unknown[]).length).toBe(1);
  });

  it('says in Markdown how it ended, then lists the sample errors and the samples not run', () => {
    const text = markdown(stopped());
    expect(text).toContain(
      '**Run stopped on an error: 1 of 3 sample(s) scored, 1 errored, 1 not run.** stopped at the first sample error (sample &#039;s2&#039;)',
    );
    expect(text).toContain('## Sample errors');
    expect(text).toContain(
      '| <code>s2</code> | 3 | System-under-test failed for sample &#039;s2&#039; after 3 attempts: HTTP SUT answered HTTP 503 |',
    );
    expect(text).toContain('## Not run\n\n1 sample(s) did not run: <code>s3</code>.');
  });

  it('makes an errored sample an <error> and a sample not run <skipped> in JUnit', () => {
    const xml = renderJunitReport(stopped());
    expect(xml).toContain('<testsuites name="demo" tests="3" failures="0" errors="1" skipped="1"');
    expect(xml).toMatch(
      /<testcase classname="demo" name="s2" time="0.000000">\n {6}<error type="sut-error" message="System-under-test failed for sample &apos;s2&apos; after 3 attempts: HTTP SUT answered HTTP 503">/,
    );
    expect(xml).toContain(
      '<testcase classname="demo" name="s3" time="0.000000">\n      <skipped message="not run: the run ended (stopped-on-error) before this sample"/>',
    );
  });

  it('shows cached calls next to the usage figures', () => {
    const r = worked();
    const summary = summarizeReport(r);
    const text = renderMarkdownReport(r, {
      ...summary,
      usage: { ...summary.usage, cached_calls: 4 },
    });
    expect(text).toContain('## Usage summary');
    expect(text).toContain(
      '4 call(s) were answered from the response cache (no request made, no cost): rerun with --no-cache to call everything afresh.',
    );
  });
});

describe('JUnit report', () => {
  it('has one test case per sample, with at most one failure or error naming every problem', () => {
    const r = report(
      [
        result('s1', { a: 1, b: 0.2, c: 0.1 }),
        result('s2', { a: 0.3 }),
        result('s<3>', { a: 0.4 }),
        result('s4', { a: 1 }),
      ],
      [failure('s2', 'judge', 'HTTP "500"')],
    );
    const xml = renderJunitReport(r);
    expect(xml).toContain(
      '<testsuite name="demo" tests="4" failures="2" errors="1" skipped="0" time="1.500000"',
    );
    expect(xml).toContain('<testsuites name="demo" tests="4" failures="2" errors="1" skipped="0"');
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    // One element per failing case, never two: CI systems show only the first.
    for (const testcase of xml.split('<testcase ').slice(1))
      expect(testcase.match(/<(failure|error) /g)?.length ?? 0).toBeLessThanOrEqual(1);
    expect(xml).toContain(
      '<failure type="below-threshold" message="b scored 0.2000, c scored 0.1000 (pass line 0.5)">b scored 0.2000\nc scored 0.1000</failure>',
    );
    expect(xml).toContain(
      '<error type="metric-error" message="judge: HTTP &quot;500&quot;; a scored 0.3000 (pass line 0.5)">',
    );
    expect(xml).toContain('name="s&lt;3&gt;"');
    const clean = renderJunitReport(report([result('s1', { a: 1 })]));
    expect(clean).toContain('failures="0" errors="0"');
    expect(clean).toContain('<testcase classname="demo" name="s1" time="1.500000"/>');
  });

  it('validates against the JUnit schema CI parsers follow (xmllint)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eh-junit-'));
    const file = join(dir, 'junit.xml');
    await writeFile(
      file,
      renderJunitReports([
        report(
          [result('s1', { a: 1, b: 0.2 }), result('s2', { a: 0.1 }), result('s3', { a: 1 })],
          [failure('s2', 'judge', 'timeout <5s> & "retry"')],
        ),
        report([result('t1', { a: 1 })]),
      ]),
    );
    const schema = fileURLToPath(new URL('../fixtures/junit.xsd', import.meta.url));
    const result_ = spawnSync('xmllint', ['--noout', '--schema', schema, file], {
      encoding: 'utf8',
    });
    expect(result_.stderr).toContain('validates');
    expect(result_.status).toBe(0);
  });
});
