import { describe, expect, it } from 'vitest';
import { MetricError } from '../../src/errors.js';
import {
  CitationGroundednessMetric,
  ContainsMetric,
  ExactMatchMetric,
  RegexMetric,
  RougeLMetric,
  createMetricScore,
  compileDelimitedPattern,
  tokenizeWords,
} from '../../src/metrics/index.js';
import { ILL_FORMED, sample } from '../helpers/samples.js';

describe('MetricScore', () => {
  it('accepts [0, 1] and rejects anything else', () => {
    expect(createMetricScore(0).score).toBe(0);
    expect(createMetricScore(1, { expected: 'a', actual: 'b' }).details).toEqual({
      expected: 'a',
      actual: 'b',
    });
    for (const bad of [-0.0001, 1.0001, Number.NaN]) {
      expect(() => createMetricScore(bad)).toThrow(MetricError);
      expect(() => createMetricScore(bad)).toThrow('Metric score must be in [0.0, 1.0]');
    }
  });
});

describe('exact-match', () => {
  const metric = new ExactMatchMetric();
  it('compares exactly', () => {
    expect(metric.score(sample('Paris'), 'Paris')).toEqual({
      score: 1,
      details: { expected: 'Paris', actual: 'Paris', match: true },
    });
    expect(metric.score(sample('Paris'), 'paris').details['match']).toBe(false);
    expect(metric.score(sample('Paris'), 'Paris ').score).toBe(0);
    expect(metric.score(sample('café'), 'café').score).toBe(1);
    expect(() => metric.score(sample({ array: 'output' }), 'x')).toThrow(
      "Sample 's1' expected_output must be a string for exact-match metric; got an object.",
    );
  });
});

describe('contains', () => {
  const metric = new ContainsMetric();
  it('looks for the expected substring', () => {
    expect(metric.score(sample('Paris'), 'The answer is Paris, France.')).toEqual({
      score: 1,
      details: { expected_substring: 'Paris', match: true },
    });
    expect(metric.score(sample('Paris'), 'The answer is Lyon.').score).toBe(0);
    expect(() => metric.score(sample(['Paris']), 'x')).toThrow('expected_output must be a string');
    expect(() => metric.score(sample(''), 'x')).toThrow('expected_output must not be empty');
  });
});

describe('regex', () => {
  const metric = new RegexMetric();
  it('matches PHP-style delimited patterns', () => {
    expect(metric.score(sample('/order #[0-9]+/'), 'Created order #1234.')).toEqual({
      score: 1,
      details: { pattern: '/order #[0-9]+/', match: true },
    });
    expect(metric.score(sample('/order #[0-9]+/'), 'Created invoice ABC.').score).toBe(0);
    expect(metric.score(sample('/PARIS/i'), 'paris').score).toBe(1);
    expect(metric.score(sample('{^a.b$}s'), 'a\nb').score).toBe(1);
    expect(metric.score(sample('#a\\#b#'), 'a#b').score).toBe(1);
    expect(
      metric.score(sample('/ order \\s \\# [0-9]+  # the number\n/x'), 'order #12').score,
    ).toBe(1);
    expect(metric.score(sample('/[ ]x/x'), 'a x').score).toBe(1);
  });

  it('turns unusable patterns into the spec MetricError', () => {
    const fragment = 'regex metric could not evaluate expected_output against actual output';
    expect(() => metric.score(sample('/unterminated'), 'x')).toThrow(fragment);
    expect(() => metric.score(sample('/./u'), ILL_FORMED)).toThrow(fragment);
    expect(() => metric.score(sample('/a/e'), 'a')).toThrow("unknown modifier 'e'");
    expect(() => metric.score(sample('/a++/'), 'a')).toThrow(fragment);
    expect(() => metric.score(sample('abc'), 'a')).toThrow(fragment);
    expect(() => metric.score(sample(42), 'a')).toThrow(
      'must be a string regex pattern for regex metric; got a number (42)',
    );
  });

  it('gives \\A, \\z and \\Z their PCRE meaning, whatever the m flag', () => {
    expect(metric.score(sample('/\\Aorder\\z/'), 'order').score).toBe(1);
    expect(metric.score(sample('/\\Aorder\\z/'), 'Aorderz').score).toBe(0);
    expect(metric.score(sample('/\\Aorder\\z/m'), 'x\norder').score).toBe(0);
    expect(metric.score(sample('/order\\Z/'), 'order\n').score).toBe(1);
    expect(metric.score(sample('/order\\z/'), 'order\n').score).toBe(0);
    expect(metric.score(sample('/[\\d]+\\z/u'), '42').score).toBe(1);
  });

  it('refuses a letter escape JavaScript would read as a plain letter, with or without u', () => {
    for (const pattern of [
      '/a\\hb/',
      '/a\\hb/u',
      '/\\Qa.b\\E/',
      '/[\\e]/',
      '/\\p{L}/',
      '/\\k<x>/',
      '/\\xZZ/',
    ])
      expect(() => metric.score(sample(pattern), 'ahb'), pattern).toThrow(
        /regex metric could not evaluate expected_output against actual output.*escape '\\[hQepkx]' has no JavaScript meaning/,
      );
    // Escapes JavaScript does know stay as they are.
    expect(metric.score(sample('/\\p{L}+/u'), 'abc').score).toBe(1);
    expect(metric.score(sample('/(?<x>a)\\k<x>/'), 'aa').score).toBe(1);
    expect(metric.score(sample('/\\x41\\u0042\\cJ?\\t?\\b/'), 'AB').score).toBe(1);
  });

  it('compiles each pattern once', () => {
    const compiled = compileDelimitedPattern('/a/imsu');
    expect(compiled.ok && compiled.regex.flags).toBe('imsu');
  });
});

describe('rouge-l', () => {
  const metric = new RougeLMetric();
  it('scores identical and overlapping text', () => {
    expect(metric.score(sample('Paris is the capital'), 'Paris is the capital')).toMatchObject({
      score: 1,
      details: { lcs_tokens: 4 },
    });
    const partial = metric.score(sample('the cat sat'), 'the cat slept');
    expect(partial.score).toBeCloseTo(2 / 3, 9);
    expect(partial.details).toMatchObject({ lcs_tokens: 2 });
    expect(partial.details['clamped_score']).toBeCloseTo(2 / 3, 9);
  });

  it('tokenises Unicode words case-insensitively', () => {
    expect(metric.score(sample('École supérieure'), 'école supérieure').score).toBe(1);
    expect(metric.score(sample(''), '')).toEqual({
      score: 1,
      details: { lcs_tokens: 0, precision: 1, recall: 1 },
    });
    expect(metric.score(sample('Hello, world!'), 'hello world').score).toBe(1);
    expect(metric.score(sample('...'), 'x')).toEqual({
      score: 0,
      details: { lcs_tokens: 0, precision: 0, recall: 0 },
    });
    expect(tokenizeWords('Hello, world!')).toEqual(['hello', 'world']);
  });

  it('computes precision and recall (derived 30)', () => {
    const score = metric.score(sample('a b c d'), 'a c');
    expect(score.details).toMatchObject({ lcs_tokens: 2, precision: 1, recall: 0.5 });
    expect(score.score).toBeCloseTo(0.666667, 6);
  });

  it('rejects bad input', () => {
    expect(() => metric.score(sample(['expected']), 'x')).toThrow(
      'expected_output must be a string',
    );
    expect(() => metric.score(sample('x'), ILL_FORMED)).toThrow('must be valid UTF-8');
    expect(() => new RougeLMetric({ maxTokens: 2 }).score(sample('one two three'), 'one')).toThrow(
      "Sample 's1' expected_output has 3 tokens; rouge-l metric supports at most 2 tokens per field.",
    );
    expect(() => new RougeLMetric({ maxTokens: 0 })).toThrow('max token count must be at least 1');
  });
});

describe('citation-groundedness', () => {
  const metric = new CitationGroundednessMetric();
  it('baseline mode counts citations', () => {
    const score = metric.score(
      sample(null, { citations: ['[doc:1]', '[doc:2]'] }),
      'Answer grounded in [doc:1].',
    );
    expect(score).toEqual({
      score: 0.5,
      details: {
        mode: 'citations',
        required_citation_count: 2,
        matched_citation_count: 1,
        missing_citation_count: 1,
      },
    });
    expect(metric.score(sample(null, { citations: '[policy]' }), 'See [policy].').score).toBe(1);
    expect(() => metric.score(sample(null), 'x')).toThrow(
      'metadata.citations must contain at least one citation string',
    );
    const trimmed = metric.score(sample(null, { citations: ['[a]', ' [a] ', 5] }), 'x [a]');
    expect(trimmed.score).toBe(1);
    expect(trimmed.details['required_citation_count']).toBe(1);
  });

  const evidence = [
    { citation: '[doc:1]', quote: 'Refunds are available within 30 days.' },
    { citation: '[doc:2]', quote: 'Items must be unused.' },
  ];

  it('evidence mode needs citation and quote', () => {
    const score = metric.score(
      sample(null, { citation_evidence: evidence }),
      'Refunds are available within 30 days. [doc:1] See [doc:2].',
    );
    expect(score).toEqual({
      score: 0.5,
      details: {
        mode: 'citation_evidence',
        required_evidence_count: 2,
        matched_evidence_count: 1,
        missing_citation_count: 0,
        missing_quote_count: 1,
      },
    });
    expect(JSON.stringify(score.details)).not.toContain('Refunds');
    const policy = [{ citation: '[policy]', quote: 'Refunds are available within 30 days.' }];
    expect(
      metric.score(
        sample(null, { citation_evidence: policy }),
        'REFUNDS   are available\nwithin 30 days. [policy]',
      ).score,
    ).toBe(1);
    expect(
      metric.score(
        sample(null, { citation_evidence: policy }),
        'Refunds are available within 30 days.',
      ).details,
    ).toMatchObject({
      missing_citation_count: 1,
      missing_quote_count: 0,
    });
    const quotes = [
      { citation: '[policy]', quotes: ['unused items only', 'returnable if unopened'] },
    ];
    expect(
      metric.score(
        sample(null, { citation_evidence: quotes }),
        'The item is returnable if unopened. [policy]',
      ).score,
    ).toBe(1);
  });

  it('evidence mode validates spans', () => {
    const check =
      (citationEvidence: unknown): (() => unknown) =>
      () =>
        metric.score(sample(null, { citation_evidence: citationEvidence }), 'x');
    expect(check([{ citation: '[a]', quotes: ['valid quote', 123] }])).toThrow(
      'metadata.citation_evidence[0].quotes[1] must be a non-empty string',
    );
    expect(check([])).toThrow('must be a non-empty list');
    expect(check(null)).toThrow('must be a non-empty list');
    expect(check([{ citation: '[a]' }])).toThrow(
      'must contain a non-empty quote string or quotes list',
    );
    expect(check([{ quote: 'q' }])).toThrow('.citation must be a non-empty string');
    expect(check(['span'])).toThrow('must be an object with citation and quote fields');
  });
});
