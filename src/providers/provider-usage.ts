import { isPlainObject, nonNegativeFinite, tokenCount } from '../values.js';

/** Usage reported by a provider: only fields that validate are kept. */
export type ProviderUsage = Partial<
  Record<'prompt_tokens' | 'completion_tokens' | 'total_tokens' | 'cost_usd' | 'latency_ms', number>
>;

export function extractUsage(body: unknown): ProviderUsage {
  const usage: ProviderUsage = {};
  const raw = isPlainObject(body) ? body['usage'] : undefined;
  if (!isPlainObject(raw)) return usage;
  for (const field of ['prompt_tokens', 'completion_tokens', 'total_tokens'] as const) {
    const tokens = tokenCount(raw[field]);
    if (tokens !== undefined) usage[field] = tokens;
  }
  const cost = nonNegativeFinite(raw['cost_usd']) ?? nonNegativeFinite(raw['total_cost_usd']);
  if (cost !== undefined) usage.cost_usd = cost;
  const latency = nonNegativeFinite(raw['latency_ms']);
  if (latency !== undefined) usage.latency_ms = latency;
  return usage;
}
