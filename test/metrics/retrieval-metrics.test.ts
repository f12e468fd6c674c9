import { describe, expect, it } from 'vitest';
import { MetricError } from '../../src/errors.js';
import {
  AnswerContainmentAtKMetric,
  MetricRegistry,
  RetrievalHitAtKMetric,
  RetrievalMrrMetric,
  RetrievalNdcgAtKMetric,
  RetrievalRecallAtKMetric,
} from '../../src/metrics/index.js';
import { sample } from '../helpers/samples.js';

const out = (value: unknown) => JSON.stringify(value);

describe('retrieval-hit-at-k', () => {
  const metric = new RetrievalHitAtKMetric();

  it('is 1 when a relevant id is in the top k, from metadata.relevant or expected_output', () => {
    const relevant = sample('ignored', { relevant: ['d3'], k: 3 });
    expect(metric.score(relevant, out(['d1', 'd2', 'd3'])).score).toBe(1);
    expect(metric.score(relevant, out(['d1', 'd2', 'd4', 'd3'])).score).toBe(0);
    // The PHP package's form: expected_output lists the relevant ids (here as JSON text).
    expect(metric.score(sample('["d9"]'), out({ retrieved: ['d9'] })).details).toEqual({
      k: 5,
      first_relevant_rank: 1,
    });
  });

  it('counts a repeated id once, at its best rank, without moving later items up', () => {
    // d2 sits at rank 3; the repeat of d1 took rank 2.
    const s = sample(['d2'], { k: 2 });
    expect(metric.score(s, out(['d1', 'd1', 'd2'])).score).toBe(0);
    expect(metric.score(sample(['d2'], { k: 3 }), out(['d1', 'd1', 'd2'])).score).toBe(1);
  });
});

describe('retrieval-recall-at-k', () => {
  it('is |top k ∩ relevant| / |relevant|, with k from the metric default when the sample sets none', () => {
    const s = sample(['a', 'b', 'c', 'd']);
    expect(new RetrievalRecallAtKMetric(2).score(s, out(['a', 'x', 'b'])).score).toBe(0.25);
    expect(new RetrievalRecallAtKMetric().score(s, out(['a', 'x', 'b'])).score).toBe(0.5);
  });
});

describe('retrieval-mrr', () => {
  it('is 1 / rank of the first relevant id over the whole list, ignoring k', () => {
    const metric = new RetrievalMrrMetric();
    const s = sample(['c'], { k: 1 });
    expect(metric.score(s, out(['a', 'b', 'c'])).score).toBeCloseTo(1 / 3, 12);
    expect(metric.score(s, out(['a'])).score).toBe(0);
  });
});

describe('retrieval-ndcg-at-k', () => {
  const metric = new RetrievalNdcgAtKMetric();

  it('divides DCG@k by the ideal DCG@k, with graded gains', () => {
    // gains a=3, b=2, c=1; retrieved [c, x, a] at k=3.
    const s = sample('unused', { relevant: { a: 3, b: 2, c: 1 }, k: 3 });
    const dcg = 1 / Math.log2(2) + 0 + 3 / Math.log2(4);
    const idcg = 3 / Math.log2(2) + 2 / Math.log2(3) + 1 / Math.log2(4);
    const scored = metric.score(s, out(['c', 'x', 'a']));
    expect(scored.score).toBeCloseTo(dcg / idcg, 12);
    expect(scored.details['k']).toBe(3);
    expect(metric.score(s, out(['a', 'b', 'c'])).score).toBeCloseTo(1, 12);
  });

  it('is 0 when nothing is relevant (ideal DCG 0), not a failure', () => {
    expect(metric.score(sample({ a: 0 }), out(['a'])).score).toBe(0);
  });
});

describe('answer-containment-at-k', () => {
  const metric = new AnswerContainmentAtKMetric();

  it('finds the answer span in a top-k text, whitespace collapsed and case ignored', () => {
    const s = sample('Paris  is the\ncapital', { k: 2 });
    const retrieved = [
      { id: 'd1', text: 'Lyon is large.' },
      { id: 'd2', text: 'PARIS is the capital of France.' },
    ];
    expect(metric.score(s, out({ retrieved })).details).toEqual({ k: 2, containing_rank: 2 });
    expect(metric.score(sample('Paris is the capital', { k: 1 }), out({ retrieved })).score).toBe(
      0,
    );
  });
});

describe('malformed retrieval inputs are metric failures naming the sample', () => {
  const cases: [unknown, Record<string, unknown>, string, string][] = [
    ['["a"]', {}, 'not json', "Sample 's1' output must be JSON: a list of retrieved ids"],
    ['["a"]', {}, '{"docs": []}', "Sample 's1' output must be a JSON list of retrieved ids"],
    ['["a"]', {}, '[1]', "Sample 's1' retrieved item at rank 1 must be a non-empty id"],
    ['plain text', {}, '["a"]', "Sample 's1' expected_output must be a list of relevant ids"],
    [
      ['a', 7],
      {},
      '["a"]',
      "Sample 's1' expected_output must list non-empty ids; got a number (7)",
    ],
    ['x', { relevant: { a: -1 } }, '["a"]', "metadata.relevant gain of 'a' must be a number >= 0"],
    ['x', { relevant: ['a'], k: 0 }, '["a"]', "Sample 's1' metadata.k must be a positive integer"],
    [[], {}, '["a"]', "Sample 's1' names no relevant id for retrieval-hit-at-k metric."],
  ];

  it.each(cases)('expected %j with %j and output %s', (expected, metadata, output, message) => {
    const score = () => new RetrievalHitAtKMetric().score(sample(expected, metadata), output);
    expect(score).toThrow(MetricError);
    expect(score).toThrow(message);
  });

  it('answer-containment needs answer text and retrieved texts', () => {
    const metric = new AnswerContainmentAtKMetric();
    expect(() => metric.score(sample(['a']), '["a"]')).toThrow(
      "Sample 's1' expected_output must be the answer text; got a list for answer-containment-at-k metric.",
    );
    expect(() => metric.score(sample('answer'), '["a"]')).toThrow(
      "Sample 's1' retrieved items carry no text in the top 5",
    );
  });
});

describe('the registry', () => {
  it('resolves the retrieval metrics by name with the configured default k', () => {
    const registry = new MetricRegistry({ retrievalDefaultK: 1 });
    const metric = registry.resolve('retrieval-hit-at-k');
    expect(metric.score(sample(['b']), out(['a', 'b']), { output: '' })).toMatchObject({
      score: 0,
    });
    expect(registry.names()).toEqual(
      expect.arrayContaining([
        'retrieval-hit-at-k',
        'retrieval-recall-at-k',
        'retrieval-mrr',
        'retrieval-ndcg-at-k',
        'answer-containment-at-k',
      ]),
    );
  });
});
