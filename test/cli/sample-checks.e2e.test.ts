// A sample's own checks (`assert:` in the dataset file) from the built CLI: scored beside the
// dataset's metrics, reported under the metric's name, aggregated over the samples that have them.
import { describe, expect, it } from 'vitest';
import { expectOneLineError, makeWorkspace, runCli } from '../helpers/cli.js';

const SUT =
  "export default async ({ id }) => (id === 'refund' ? 'Within 30 days, with a receipt.' : id === 'json' ? '{\"ok\": true}' : 'ok');\n";

async function run(dataset: string, flags: string[] = []) {
  const cwd = await makeWorkspace({ 'qa.yml': dataset, 'sut.mjs': SUT });
  return runCli(['run', 'qa.yml', '--sut', './sut.mjs', '--json', ...flags], { cwd });
}

const scoresOf = (report: {
  samples: { id: string; scores: Record<string, { score: number }> }[];
}) =>
  Object.fromEntries(
    report.samples.map((sample) => [
      sample.id,
      Object.fromEntries(Object.entries(sample.scores).map(([name, entry]) => [name, entry.score])),
    ]),
  );

describe("a sample's own checks (assert:)", () => {
  it('scores each check with its own target, negation and pass line, beside the dataset metrics', async () => {
    const result = await run(
      [
        'name: qa',
        'metrics: [exact-match]',
        'samples:',
        '  - id: refund',
        '    input: { q: refund }',
        '    expected_output: "Within 30 days, with a receipt."',
        '    assert:',
        '      - contains-all: ["30 days", "receipt", "box"]',
        '      - { name: is-json, not: true }',
        '      - { starts-with: "Within", threshold: 1 }',
        '  - id: json',
        '    input: { q: json }',
        '    expected_output: "{\\"ok\\": true}"',
        '    assert: [is-json, { exact-match: "nope" }]',
        '  - { id: plain, input: { q: plain }, expected_output: ok }',
      ].join('\n'),
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(scoresOf(report)).toEqual({
      refund: { 'exact-match': 1, 'contains-all': 2 / 3, 'not:is-json': 1, 'starts-with': 1 },
      // A check under a dataset metric's name replaces it for that sample, with its own target.
      json: { 'exact-match': 0, 'is-json': 1 },
      plain: { 'exact-match': 1 },
    });
    // Aggregates cover the samples that have the metric; the sample's pass line is its own.
    expect(report.metrics['contains-all'].mean).toBeCloseTo(2 / 3, 12);
    expect(report.metrics['exact-match'].mean).toBeCloseTo(2 / 3, 12);
    expect(report.samples[0].pass_lines).toEqual({ 'starts-with': 1 });
    expect(report.metrics['contains-all'].pass_rate).toBe(1);
  });

  it('gates on a check like on any metric', async () => {
    const result = await run(
      [
        'name: qa',
        'metrics: [exact-match]',
        'samples:',
        '  - { id: refund, input: { q: 1 }, expected_output: "Within 30 days, with a receipt.", assert: [{ contains-all: [box] }] }',
      ].join('\n'),
      ['--fail-under', 'contains-all=0.5'],
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('contains-all');
  });

  it.each([
    [
      'a check that is a number',
      'assert: [3]',
      "Sample 'refund' (index 0) assert[0] must be a metric name",
    ],
    ['two metrics in one check', 'assert: [{ is-json: 1, contains: x }]', 'must name one metric'],
    [
      'a pass line above 1',
      'assert: [{ is-json: x, threshold: 2 }]',
      'threshold must be a pass line',
    ],
    ['a repeated check', 'assert: [is-json, is-json]', "repeats the check 'is-json'"],
    ['an unknown metric', 'assert: [is-jsn]', 'is-jsn'],
  ])('refuses %s with exit 2, naming the sample', async (_what, line, fragment) => {
    const result = await run(
      [
        'name: qa',
        'metrics: [exact-match]',
        'samples:',
        `  - { id: refund, input: { q: 1 }, expected_output: x, ${line.replace('assert: ', 'assert: ')} }`,
      ].join('\n'),
    );
    expectOneLineError(result, 2, fragment);
  });

  it('fails a negated check of a metric that gives partial credit, as a metric failure', async () => {
    const result = await run(
      [
        'name: qa',
        'metrics: [exact-match]',
        'samples:',
        '  - { id: refund, input: { q: 1 }, expected_output: x, assert: [{ contains-all: ["30 days", "box"], not: true }] }',
      ].join('\n'),
    );
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.failures[0]).toMatchObject({
      sample_id: 'refund',
      metric: 'not:contains-all',
      error: expect.stringContaining('not: true needs a metric that scores 0 or 1'),
    });
  });
});
