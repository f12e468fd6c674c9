import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

describe('metric options', () => {
  const withOptions = (name: string, options: Record<string, unknown>, baseDir = process.cwd()) =>
    new MetricRegistry({
      prices: { 'app-model': { inputPerMillion: 1, outputPerMillion: 2 } },
    }).resolve({ name, options, baseDir });
  const sampleOf = (expected: unknown) =>
    createSample({ id: 's1', input: {}, expectedOutput: expected });

  it('equals trims by default and folds case when asked; exact-match stays strict', async () => {
    expect((await score('equals', 'Paris', 'Paris\n')).score).toBe(1);
    expect((await score('equals', 'Paris', 'paris')).score).toBe(0);
    expect((await score('exact-match', 'Paris', 'Paris\n')).score).toBe(0);
    const folded = withOptions('equals', { ignoreCase: true });
    expect((await folded.score(sampleOf('Straße'), 'STRASSE', { output: 'STRASSE' })).score).toBe(
      1,
    );
    const strict = withOptions('equals', { trim: false });
    const scored = await strict.score(sampleOf('Paris'), ' Paris', { output: ' Paris' });
    expect([scored.score, scored.details['trim']]).toEqual([0, false]);
  });

  it('latency and cost take their limit from the option when the sample gives none', async () => {
    const latency = withOptions('latency', { maxMs: 100 });
    const sample = sampleOf('the answer text');
    expect((await latency.score(sample, 'x', { output: 'x', latencyMs: 80 })).score).toBe(1);
    expect((await latency.score(sample, 'x', { output: 'x', latencyMs: 120 })).score).toBe(0);
    // A check's own number wins over the option.
    expect((await latency.score(sampleOf(150), 'x', { output: 'x', latencyMs: 120 })).score).toBe(
      1,
    );

    const cost = withOptions('cost', { maxUsd: 0.002 });
    const answer = (input: number, output: number, model = 'app-model') => ({
      output: 'x',
      usage: { model, inputTokens: input, outputTokens: output },
    });
    // 1,000 in + 500 out = 0.001 + 0.001 USD.
    const within = await cost.score(sample, 'x', answer(1000, 500));
    expect(within.score).toBe(1);
    expect(within.details['cost_usd']).toBeCloseTo(0.002, 12);
    expect((await cost.score(sample, 'x', answer(1000, 501))).score).toBe(0);
    expect(() => cost.score(sample, 'x', { output: 'x' })).toThrow(
      "Sample 's1' has no known cost (the SUT reported no token usage",
    );
    expect(() => cost.score(sample, 'x', answer(1, 1, 'other-model'))).toThrow(
      "model 'other-model' has no price under costs:",
    );
    expect(() =>
      cost.score(sample, 'x', {
        output: 'x',
        usage: { model: 'app-model', inputTokens: 0, outputTokens: 0, cached: true },
      }),
    ).toThrow('its answer came from the response cache');
    expect(() => withOptions('cost', {}).score(sample, 'x', answer(1, 1))).toThrow(
      'cost needs a positive limit in USD',
    );
  });

  it('is-json reads its schema option from a file relative to where the entry was written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eh-schema-'));
    await writeFile(
      join(dir, 'answer.schema.json'),
      JSON.stringify({ type: 'object', required: ['refund'] }),
    );
    const metric = withOptions('is-json', { schema: './answer.schema.json' }, dir);
    expect((await metric.score(sampleOf(null), '{"refund":true}', { output: '' })).score).toBe(1);
    const missing = await metric.score(sampleOf(null), '{"days":30}', { output: '' });
    expect(missing.details['schema_errors']).toEqual([
      "(root) must have required property 'refund'",
    ]);
    // A sample's own schema wins over the option.
    const own = sampleOf({ schema: { type: 'object' } });
    expect((await metric.score(own, '{"days":30}', { output: '' })).score).toBe(1);
    expect(() => withOptions('is-json', { schema: './nope.json' }, dir)).toThrow(
      /Metric 'is-json' option schema: .*nope\.json does not exist/,
    );
  });

  it('refuses unknown options and bad values, naming the metric and the option', () => {
    expect(() => withOptions('rouge-l', { k: 3 })).toThrow(
      "Metric 'rouge-l' takes no options; got 'k'.",
    );
    expect(() => withOptions('equals', { ignorecase: true })).toThrow(
      "Metric 'equals' has no option 'ignorecase' (did you mean 'ignoreCase'?); its options are trim, ignoreCase.",
    );
    expect(() => withOptions('contains', { treshold: 0.5 })).toThrow(
      "takes no options; got 'treshold' (did you mean 'threshold'?).",
    );
    expect(() => withOptions('latency', { maxMs: -1 })).toThrow(
      "Metric 'latency' option 'maxMs' must be a positive number; got",
    );
  });
});
