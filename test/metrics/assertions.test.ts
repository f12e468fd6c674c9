import { describe, expect, it } from 'vitest';
import { createSample } from '../../src/datasets/index.js';
import { MetricRegistry } from '../../src/metrics/index.js';

const registry = new MetricRegistry();
const score = async (metric: string, expected: unknown, output: string) => {
  const sample = createSample({ id: 's1', input: { q: 1 }, expectedOutput: expected });
  const resolved = registry.resolve(metric);
  return resolved.score(sample, output, { output });
};

describe('assertion metrics, worked examples', () => {
  it('starts-with: the answer opens with the expected text, leading whitespace aside', async () => {
    expect((await score('starts-with', 'Yes', '  Yes, within 30 days.')).score).toBe(1);
    expect((await score('starts-with', 'Yes', 'No. Yes only with a receipt.')).score).toBe(0);
  });

  it('contains-any, contains-all (partial credit) and not-contains read a text or a list', async () => {
    const answer = 'Returns are accepted within 30 days with a receipt.';
    expect((await score('contains-any', ['14 days', '30 days'], answer)).score).toBe(1);
    expect((await score('contains-any', '14 days', answer)).score).toBe(0);
    const all = await score('contains-all', ['30 days', 'receipt', 'original box'], answer);
    expect(all.score).toBeCloseTo(2 / 3, 12);
    expect(all.details).toMatchObject({ missing: ['original box'] });
    expect((await score('not-contains', ['password', 'sk-'], answer)).score).toBe(1);
    const leaked = await score('not-contains', ['sk-'], 'Your key is sk-123');
    expect([leaked.score, leaked.details['found']]).toEqual([0, ['sk-']]);
  });

  it('levenshtein: 1 for equal texts, falling with each edit over the longer length', async () => {
    expect((await score('levenshtein', 'kitten', 'kitten')).score).toBe(1);
    expect((await score('levenshtein', 'kitten', 'sitting')).score).toBeCloseTo(1 - 3 / 7, 12);
    expect((await score('levenshtein', 'abc', 'xyz')).score).toBe(0);
  });

  it('is-json: the whole answer parses, with the parser error in the details when not', async () => {
    expect((await score('is-json', null, ' {"refund": true} ')).score).toBe(1);
    const broken = await score('is-json', null, '{"refund": true');
    expect(broken.score).toBe(0);
    expect(String(broken.details['error'])).toMatch(/JSON/);
    expect((await score('is-json', null, 'Sure! {"refund": true}')).score).toBe(0);
  });

  it('contains-json: a fenced block or a balanced object inside prose, strings with brackets included', async () => {
    expect((await score('contains-json', null, 'Here:\n```json\n{"a": [1, 2]}\n```\n')).score).toBe(
      1,
    );
    const inline = await score(
      'contains-json',
      null,
      'The result is {"note": "a } in text", "n": 2}.',
    );
    expect([inline.score, inline.details['json']]).toEqual([1, '{"note": "a } in text", "n": 2}']);
    expect((await score('contains-json', null, 'No JSON {here at all')).score).toBe(0);
  });

  it('is-json and contains-json follow a JSON Schema when the target gives one', async () => {
    const schema = {
      type: 'object',
      required: ['refund'],
      properties: { refund: { type: 'boolean' }, days: { type: 'integer', minimum: 1 } },
    };
    expect((await score('is-json', { schema }, '{"refund": true, "days": 30}')).score).toBe(1);
    const wrong = await score('is-json', { schema }, '{"refund": "yes", "days": 0}');
    expect(wrong.score).toBe(0);
    expect(wrong.details['schema_errors']).toEqual([
      '/refund must be boolean',
      '/days must be >= 1',
    ]);
    expect((await score('contains-json', { schema }, 'Result: {"days": 3}')).score).toBe(0);
    await expect(score('is-json', { schema: { type: 'nope' } }, '{}')).rejects.toThrow(
      "Sample 's1' is-json schema is not a valid JSON Schema",
    );
  });

  it('refuses an expected_output the metric cannot read, naming the sample and the metric', async () => {
    await expect(score('contains-all', [1, 2], 'x')).rejects.toThrow(
      "Sample 's1' expected_output must be a non-empty string or a list of them for contains-all metric",
    );
  });
});
