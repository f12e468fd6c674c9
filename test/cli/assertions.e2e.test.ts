// The assertion metrics from the built CLI, in-process and over saved outputs.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli } from '../helpers/cli.js';

describe('assertion metrics from the CLI', () => {
  it('scores lists of required and forbidden texts, and JSON answers, the same from the SUT and saved outputs', async () => {
    const dir = await makeWorkspace({
      'policy.yml': [
        'name: policy',
        'samples:',
        '  - { id: refund, input: { q: refund }, expected_output: ["30 days", "receipt"] }',
        '  - { id: leak, input: { q: key }, expected_output: ["30 days", "sk-"] }',
      ].join('\n'),
      'json.yml': [
        'name: json',
        'samples:',
        '  - { id: fenced, input: { q: 1 }, expected_output: "" }',
        '  - { id: prose, input: { q: 2 }, expected_output: "" }',
      ].join('\n'),
      'sut.mjs': `const ANSWERS = {
  refund: 'Within 30 days, with a receipt.',
  leak: 'Use the key sk-123 within 30 days.',
  fenced: 'Here it is:\\n\`\`\`json\\n{"refund": true}\\n\`\`\`',
  prose: 'I think refund is true.',
};
export default async ({ id }) => ANSWERS[id];
`,
      'eval-harness.config.json': JSON.stringify({
        datasets: {
          policy: { path: 'policy.yml', metrics: ['contains-all', 'not-contains'] },
          json: { path: 'json.yml', metrics: ['contains-json', 'is-json'] },
        },
        sut: { type: 'module', path: './sut.mjs' },
      }),
    });
    const policy = await runCli(['run', 'policy', '--json', '--no-progress'], { cwd: dir });
    expect(policy.code).toBe(0);
    const scores = (report: {
      samples: { id: string; scores: Record<string, { score: number }> }[];
    }) =>
      Object.fromEntries(
        report.samples.map((s) => [
          s.id,
          Object.fromEntries(Object.entries(s.scores).map(([m, v]) => [m, v.score])),
        ]),
      );
    expect(scores(JSON.parse(policy.stdout))).toEqual({
      refund: { 'contains-all': 1, 'not-contains': 0 },
      leak: { 'contains-all': 1, 'not-contains': 0 },
    });
    const json = await runCli(['run', 'json', '--json', '--no-progress'], { cwd: dir });
    expect(scores(JSON.parse(json.stdout))).toEqual({
      fenced: { 'contains-json': 1, 'is-json': 0 },
      prose: { 'contains-json': 0, 'is-json': 0 },
    });
    await writeFile(
      join(dir, 'saved.json'),
      JSON.stringify({ outputs: { fenced: '{"refund": true}', prose: 'no' } }),
    );
    const saved = await runCli(['run', 'json', '--outputs', 'saved.json', '--json'], { cwd: dir });
    expect(scores(JSON.parse(saved.stdout))).toEqual({
      fenced: { 'contains-json': 1, 'is-json': 1 },
      prose: { 'contains-json': 0, 'is-json': 0 },
    });
  });

  it('takes metric options from the config entry and from a sample check, a check inheriting the entry', async () => {
    const dir = await makeWorkspace({
      'capitals.yml': [
        'name: capitals',
        'samples:',
        '  - { id: france, input: { q: France }, expected_output: Paris }',
        '  - { id: italy, input: { q: Italy }, expected_output: Rome }',
        // Its own target; with no options it keeps the entry's ignoreCase.
        '  - { id: spain, input: { q: Spain }, expected_output: x, assert: [{ equals: madrid }] }',
        // Its own options: case counts for this check.
        '  - id: japan',
        '    input: { q: Japan }',
        '    expected_output: x',
        '    assert: [{ name: equals, value: tokyo, ignoreCase: false }]',
      ].join('\n'),
      'sut.mjs': `const ANSWERS = { France: 'PARIS\\n', Italy: 'Milan', Spain: 'Madrid', Japan: 'Tokyo' };
export default async ({ input }) => ANSWERS[input.q];
`,
      'eval-harness.config.json': JSON.stringify({
        datasets: {
          capitals: { path: 'capitals.yml', metrics: [{ name: 'equals', ignoreCase: true }] },
        },
        sut: { type: 'module', path: './sut.mjs' },
      }),
    });
    const result = await runCli(['run', 'capitals', '--json', '--no-progress'], { cwd: dir });
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout);
    const equals = Object.fromEntries(
      report.samples.map(
        (s: { id: string; scores: Record<string, { score: number; details: unknown }> }) => [
          s.id,
          s.scores['equals']?.score,
        ],
      ),
    );
    expect(equals).toEqual({ france: 1, italy: 0, spain: 1, japan: 0 });
    expect(report.samples[0].scores['equals'].details).toMatchObject({
      trim: true,
      ignore_case: true,
    });
  });
});
