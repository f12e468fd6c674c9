import type { DatasetSample } from '../datasets/index.js';
import { MetricError } from '../errors.js';
import { expectedString } from './_expected.js';
import { clampUnit, createMetricScore, type Metric, type MetricScore } from './metric.js';
import { requireWellFormed, tokenizeWords } from './text.js';

export interface RougeLOptions {
  /**
   * Tokens allowed per field; the LCS table is O(n·m).
   * @defaultValue 1024
   */
  maxTokens?: number;
}

/** ROUGE-L F-measure (β = 1) over word tokens. */
export class RougeLMetric implements Metric {
  readonly name = 'rouge-l';
  private readonly maxTokens: number;

  constructor(options: RougeLOptions = {}) {
    this.maxTokens = options.maxTokens ?? 1024;
    if (!Number.isInteger(this.maxTokens) || this.maxTokens < 1) {
      throw new RangeError('ROUGE-L max token count must be at least 1.');
    }
  }

  score(sample: DatasetSample, actualOutput: string): MetricScore {
    const expected = expectedString(sample, this.name);
    requireWellFormed(expected, sample.id, 'expected_output', this.name);
    requireWellFormed(actualOutput, sample.id, 'actual_output', this.name);
    const expectedTokens = tokenizeWords(expected);
    const actualTokens = tokenizeWords(actualOutput);
    this.checkCap(sample.id, 'expected_output', expectedTokens.length);
    this.checkCap(sample.id, 'actual_output', actualTokens.length);

    if (expectedTokens.length === 0 && actualTokens.length === 0) {
      return createMetricScore(1, { lcs_tokens: 0, precision: 1, recall: 1 });
    }
    if (expectedTokens.length === 0 || actualTokens.length === 0) {
      return createMetricScore(0, { lcs_tokens: 0, precision: 0, recall: 0 });
    }
    const lcs = longestCommonSubsequence(expectedTokens, actualTokens);
    const precision = lcs / actualTokens.length;
    const recall = lcs / expectedTokens.length;
    const raw = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    const clamped = clampUnit(raw);
    return createMetricScore(clamped, {
      lcs_tokens: lcs,
      precision,
      recall,
      raw_score: raw,
      clamped_score: clamped,
    });
  }

  private checkCap(sampleId: string, field: string, count: number): void {
    if (count > this.maxTokens) {
      throw new MetricError(
        `Sample '${sampleId}' ${field} has ${count} tokens; rouge-l metric supports at most ${this.maxTokens} tokens per field.`,
      );
    }
  }
}

/** Length of the longest common subsequence, two-row dynamic programming. */
export function longestCommonSubsequence(a: readonly string[], b: readonly string[]): number {
  let previous = new Uint32Array(b.length + 1);
  let current = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    const token = a[i - 1];
    for (let j = 1; j <= b.length; j++) {
      current[j] =
        token === b[j - 1]
          ? (previous[j - 1] as number) + 1
          : Math.max(previous[j] as number, current[j - 1] as number);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length] as number;
}
