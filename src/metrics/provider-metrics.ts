import type { DatasetSample } from '../datasets/index.js';
import { MetricError } from '../errors.js';
import type { EmbeddingsClient, ProviderUsage } from '../providers/index.js';
import { withUsage } from '../providers/index.js';
import { expectedString } from './_expected.js';
import { clampUnit, createMetricScore, type Metric, type MetricScore } from './metric.js';
import { requireWellFormed, tokenizeWords } from './text.js';

/** Details get `usage` last, and only when the provider reported some. */
export function withUsageDetails(
  details: Record<string, unknown>,
  usage: ProviderUsage,
): Record<string, unknown> {
  return Object.keys(usage).length > 0 ? { ...details, usage } : details;
}

/** Cosine similarity; 0 when either vector has no length (never NaN). */
function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    normA += (a[i] as number) ** 2;
    normB += (b[i] as number) ** 2;
  }
  return normA <= 0 || normB <= 0 ? 0 : dot / (Math.sqrt(normA) * Math.sqrt(normB));
}

/** Cosine similarity of the embeddings of expected and actual, clamped to [0, 1]. */
export class CosineEmbeddingMetric implements Metric {
  readonly name = 'cosine-embedding';
  constructor(private readonly client: EmbeddingsClient) {}

  async score(sample: DatasetSample, actualOutput: string): Promise<MetricScore> {
    const expected = expectedString(sample, this.name);
    const { vectors, usage } = await this.client.embedMany([expected, actualOutput]);
    if (vectors.length !== 2)
      throw withUsage(
        new MetricError(
          `Cosine embedding client returned ${vectors.length} vector(s); expected 2.`,
        ),
        usage,
      );
    const [a, b] = vectors as [number[], number[]];
    if (a.length !== b.length) {
      throw withUsage(
        new MetricError(
          `Cannot compute cosine similarity on vectors of different dimensionality (${a.length} vs ${b.length}).`,
        ),
        usage,
      );
    }
    const similarity = cosine(a, b);
    const clamped = clampUnit(similarity);
    return createMetricScore(
      clamped,
      withUsageDetails(
        {
          expected_dim: a.length,
          actual_dim: b.length,
          cosine_similarity: similarity,
          clamped_score: clamped,
        },
        usage,
      ),
    );
  }
}

/** Best-match token cosine precision / recall / F1 over context-free token embeddings. */
export class BertScoreLikeMetric implements Metric {
  readonly name = 'bertscore-like';
  private readonly maxTokens: number;

  constructor(
    private readonly client: EmbeddingsClient,
    options: { maxTokens?: number } = {},
  ) {
    this.maxTokens = options.maxTokens ?? 128;
    if (!Number.isInteger(this.maxTokens) || this.maxTokens < 1)
      throw new RangeError('BERTScore-like max token count must be at least 1.');
  }

  async score(sample: DatasetSample, actualOutput: string): Promise<MetricScore> {
    const expected = expectedString(sample, this.name);
    requireWellFormed(expected, sample.id, 'expected_output', this.name);
    requireWellFormed(actualOutput, sample.id, 'actual_output', this.name);
    const expectedTokens = tokenizeWords(expected);
    const actualTokens = tokenizeWords(actualOutput);
    for (const [field, tokens] of [
      ['expected_output', expectedTokens],
      ['actual_output', actualTokens],
    ] as const) {
      if (tokens.length > this.maxTokens) {
        throw new MetricError(
          `Sample '${sample.id}' ${field} has ${tokens.length} tokens; bertscore-like metric supports at most ${this.maxTokens} tokens per field.`,
        );
      }
    }
    const counts = { expected_tokens: expectedTokens.length, actual_tokens: actualTokens.length };
    if (expectedTokens.length === 0 && actualTokens.length === 0) {
      return createMetricScore(1, {
        ...counts,
        precision: 1,
        recall: 1,
        raw_score: 1,
        clamped_score: 1,
      });
    }
    if (expectedTokens.length === 0 || actualTokens.length === 0) {
      return createMetricScore(0, {
        ...counts,
        precision: 0,
        recall: 0,
        raw_score: 0,
        clamped_score: 0,
      });
    }
    const distinct = [...new Set([...expectedTokens, ...actualTokens])];
    const { vectors, usage } = await this.client.embedMany(distinct);
    if (vectors.length !== distinct.length) {
      throw withUsage(
        new MetricError(
          `BERTScore-like embedding client returned ${vectors.length} vector(s); expected ${distinct.length}.`,
        ),
        usage,
      );
    }
    const vectorOf = new Map(distinct.map((token, i) => [token, vectors[i] as number[]]));
    const similarity = (x: string, y: string): number => {
      const a = vectorOf.get(x) as number[];
      const b = vectorOf.get(y) as number[];
      if (a.length === 0 || b.length === 0)
        throw withUsage(
          new MetricError('BERTScore-like embeddings must be non-empty vectors.'),
          usage,
        );
      if (a.length !== b.length) {
        throw withUsage(
          new MetricError(
            `Cannot compute BERTScore-like cosine similarity on vectors of different dimensionality (${a.length} vs ${b.length}).`,
          ),
          usage,
        );
      }
      return clampUnit(cosine(a, b));
    };
    const best = (from: readonly string[], to: readonly string[]) =>
      from.reduce((sum, x) => sum + to.reduce((max, y) => Math.max(max, similarity(x, y)), 0), 0) /
      from.length;
    const precision = best(actualTokens, expectedTokens);
    const recall = best(expectedTokens, actualTokens);
    const raw = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    const clamped = clampUnit(raw);
    return createMetricScore(
      clamped,
      withUsageDetails(
        {
          ...counts,
          embedded_tokens: distinct.length,
          precision,
          recall,
          raw_score: raw,
          clamped_score: clamped,
        },
        usage,
      ),
    );
  }
}

/** The provider each built-in provider-backed metric scores with. */
export const PROVIDER_OF_METRIC: Readonly<Record<string, 'judge' | 'embeddings'>> = {
  'llm-as-judge': 'judge',
  'refusal-quality': 'judge',
  faithfulness: 'judge',
  'context-precision': 'judge',
  'context-recall': 'judge',
  'answer-relevance': 'judge',
  'cosine-embedding': 'embeddings',
  'bertscore-like': 'embeddings',
};
