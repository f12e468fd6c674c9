import { isPlainObject, nonNegativeFinite, tokenCount } from '../values.js';

/**
 * Usage reported by a provider: only fields that validate are kept. `model` is the model the
 * call was made with (as configured, which is how the price book names it), set when tokens were
 * reported.
 */
export type ProviderUsage = Partial<
  Record<'prompt_tokens' | 'completion_tokens' | 'total_tokens' | 'cost_usd' | 'latency_ms', number>
> & {
  model?: string;
  cached?: true;
  /** How many calls the record sums (a judged metric's votes); one when absent. */
  calls?: number;
};

export function extractUsage(body: unknown, model?: string): ProviderUsage {
  const usage: ProviderUsage = {};
  const raw = isPlainObject(body) ? body['usage'] : undefined;
  if (!isPlainObject(raw)) return usage;
  if (raw['cached'] === true) return { cached: true };
  for (const field of ['prompt_tokens', 'completion_tokens', 'total_tokens'] as const) {
    const tokens = tokenCount(raw[field]);
    if (tokens !== undefined) usage[field] = tokens;
  }
  const cost = nonNegativeFinite(raw['cost_usd']) ?? nonNegativeFinite(raw['total_cost_usd']);
  if (cost !== undefined) usage.cost_usd = cost;
  const latency = nonNegativeFinite(raw['latency_ms']);
  if (latency !== undefined) usage.latency_ms = latency;
  const tokens =
    usage.prompt_tokens !== undefined ||
    usage.completion_tokens !== undefined ||
    usage.total_tokens !== undefined;
  if (model !== undefined && tokens) usage.model = model;
  return usage;
}
