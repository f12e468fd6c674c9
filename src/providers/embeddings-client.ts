import { MetricError } from '../errors.js';
import { debugType, isPlainObject, parseNumeric } from '../values.js';
import { postJson, type ProviderRequestOptions } from './http-client.js';
import { extractUsage, type ProviderUsage } from './provider-usage.js';

export interface EmbeddingsResult {
  readonly vectors: number[][];
  /** Usage of this call, returned with the result (safe under concurrent scoring). */
  readonly usage: ProviderUsage;
}

export interface EmbeddingsClient {
  embedMany(texts: readonly string[]): Promise<EmbeddingsResult>;
}

export type EmbeddingsClientOptions = Omit<ProviderRequestOptions, 'operation'> & {
  readonly model: string;
};

/** An OpenAI-compatible embeddings client. */
export function createEmbeddingsClient(options: EmbeddingsClientOptions): EmbeddingsClient {
  return {
    async embedMany(texts) {
      if (texts.length === 0) return { vectors: [], usage: {} };
      texts.forEach((text, index) => {
        if (typeof text !== 'string')
          throw new MetricError(
            `Embedding input at index ${index} must be a string; got ${debugType(text)}.`,
          );
      });
      const response = await postJson(
        { model: options.model, input: texts },
        { ...options, operation: 'Embeddings' },
      );
      if (response.status >= 400)
        throw new MetricError(`Embeddings request failed: HTTP ${response.status}.`);
      // Usage first, so spend on a malformed payload still counts.
      const usage = extractUsage(response.body, options.model);
      const data = isPlainObject(response.body) ? response.body['data'] : undefined;
      if (!Array.isArray(data))
        throw withUsage(
          new MetricError('Embeddings response is missing data or it is not an array.'),
          usage,
        );
      if (data.length !== texts.length) {
        throw withUsage(
          new MetricError(
            `Embeddings response returned ${data.length} vector(s); expected ${texts.length}.`,
          ),
          usage,
        );
      }
      return { vectors: orderedVectors(data).map((entry, i) => vectorOf(entry, i)), usage };
    },
  };
}

/** Errors carry the usage of the failed call, so metrics can report spend on failures too. */
export function withUsage<E extends Error>(
  error: E,
  usage: ProviderUsage,
): E & { usage: ProviderUsage } {
  return Object.assign(error, { usage });
}

function orderedVectors(data: unknown[]): unknown[] {
  const hasIndex = data.map((entry) => isPlainObject(entry) && 'index' in entry);
  if (!hasIndex.some(Boolean)) return data;
  if (!hasIndex.every(Boolean))
    throw new MetricError(
      'Embeddings response indexes must be present on every data entry when any index is present.',
    );
  const indexed = data.map((entry, position) => {
    const raw = (entry as Record<string, unknown>)['index'];
    const index =
      typeof raw === 'number'
        ? raw
        : typeof raw === 'string' && /^\d+$/.test(raw)
          ? Number(raw)
          : Number.NaN;
    if (!Number.isSafeInteger(index) || index < 0) {
      throw new MetricError(
        `Embeddings response data[${position}].index must be a non-negative integer or digit string.`,
      );
    }
    return { index, entry };
  });
  indexed.sort((a, b) => a.index - b.index);
  indexed.forEach((item, position) => {
    if (item.index !== position)
      throw new MetricError(
        `Embeddings response index order is incomplete at position ${position}.`,
      );
  });
  return indexed.map((item) => item.entry);
}

function vectorOf(entry: unknown, position: number): number[] {
  const embedding = isPlainObject(entry) ? entry['embedding'] : undefined;
  if (!Array.isArray(embedding) || embedding.length === 0) {
    throw new MetricError(
      `Embeddings response is missing data[${position}].embedding or it is not a non-empty array.`,
    );
  }
  return embedding.map((component: unknown, i) => {
    const value = typeof component === 'boolean' ? undefined : parseNumeric(component);
    if (value === undefined || !Number.isFinite(value)) {
      throw new MetricError(
        `Embedding vector data[${position}].embedding contains non-numeric component or non-finite component at index ${i}.`,
      );
    }
    return value;
  });
}
