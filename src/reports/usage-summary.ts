import { priceBookCost, type PriceBook } from '../price-book.js';
import { isPlainObject, nonNegativeFinite, tokenCount } from '../values.js';

export interface UsageSummary {
  observations: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost_usd: number;
  reported: {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    cost_usd: number;
    latency_ms: number;
  };
  latency_ms: { count: number; total: number; mean: number; max: number };
  /**
   * Per model, when usage named its model (judge, embeddings, a SUT reporting usage): calls,
   * tokens and the price-book cost, null for a model the price book does not list.
   */
  by_model?: Record<string, ModelUsage>;
  /** Models that spent tokens but have no price: their calls are unpriced, never free. */
  unpriced_models?: string[];
  /** Calls answered from the response cache: no request was made and they cost nothing. */
  cached_calls?: number;
}

export interface ModelUsage {
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
}

export type { PriceBook };

const TOKEN_FIELDS = ['prompt_tokens', 'completion_tokens', 'total_tokens'] as const;

/**
 * Sum provider usage found in score and failure details (and SUT usage in the same shape).
 * Usage that names its model is also counted per model and priced with `prices`; a cost the
 * provider reported itself is taken as is, never priced again.
 */
export function summarizeUsage(usages: Iterable<unknown>, prices: PriceBook = {}): UsageSummary {
  const tally = new UsageTally(prices);
  for (const usage of usages) tally.add(usage);
  return tally.summary();
}

/** Usage summed as it is seen, so a report's summary keeps no list of usage records. */
export class UsageTally {
  private readonly totals: UsageSummary = {
    observations: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    cost_usd: 0,
    reported: {
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
      cost_usd: 0,
      latency_ms: 0,
    },
    latency_ms: { count: 0, total: 0, mean: 0, max: 0 },
  };

  constructor(private readonly prices: PriceBook = {}) {}

  add(usage: unknown): void {
    if (!isPlainObject(usage)) return;
    const summary = this.totals;
    if (usage['cached'] === true) {
      summary.cached_calls = (summary.cached_calls ?? 0) + 1;
      return;
    }
    let observed = false;
    for (const field of TOKEN_FIELDS) {
      const tokens = tokenCount(usage[field]);
      if (tokens === undefined) continue;
      summary[field] += tokens;
      summary.reported[field]++;
      observed = true;
    }
    const cost = nonNegativeFinite(usage['cost_usd']) ?? nonNegativeFinite(usage['total_cost_usd']);
    if (cost !== undefined) {
      summary.cost_usd += cost;
      summary.reported.cost_usd++;
      observed = true;
    }
    const model = usage['model'];
    if (typeof model === 'string' && model !== '') {
      const priced = countModel(summary, model, usage, this.prices);
      if (cost === undefined && priced !== null) {
        summary.cost_usd += priced;
        summary.reported.cost_usd++;
      }
    }
    const latency = nonNegativeFinite(usage['latency_ms']);
    if (latency !== undefined) {
      summary.latency_ms.count++;
      summary.latency_ms.total += latency;
      summary.latency_ms.max = Math.max(summary.latency_ms.max, latency);
      summary.reported.latency_ms++;
      observed = true;
    }
    if (observed) summary.observations++;
  }

  /** The summary of everything added so far. */
  summary(): UsageSummary {
    const summary = structuredClone(this.totals);
    summary.latency_ms.mean =
      summary.latency_ms.count === 0 ? 0 : summary.latency_ms.total / summary.latency_ms.count;
    if (summary.by_model !== undefined)
      summary.unpriced_models = Object.keys(summary.by_model).filter(
        (name) => summary.by_model?.[name]?.cost_usd === null,
      );
    return summary;
  }
}

/** Count one call of `model`; returns its price-book cost, or null when it has no price. */
function countModel(
  summary: UsageSummary,
  model: string,
  usage: Record<string, unknown>,
  prices: PriceBook,
): number | null {
  summary.by_model ??= {};
  const entry = (summary.by_model[model] ??= {
    calls: 0,
    input_tokens: 0,
    output_tokens: 0,
    cost_usd: Object.hasOwn(prices, model) ? 0 : null,
  });
  const input = tokenCount(usage['prompt_tokens']) ?? 0;
  const output = tokenCount(usage['completion_tokens']) ?? 0;
  const calls = tokenCount(usage['calls']);
  entry.calls += calls !== undefined && calls > 0 ? calls : 1;
  entry.input_tokens += input;
  entry.output_tokens += output;
  const cost = priceBookCost(model, input, output, prices);
  if (cost === null) return null;
  entry.cost_usd = (entry.cost_usd ?? 0) + cost;
  return cost;
}

/**
 * The known cost of one usage record: the cost the provider reported, else the price-book cost
 * of its tokens; 0 when neither is known (an unpriced model), which a budget cannot count.
 */
export function knownCostOf(usage: unknown, prices: PriceBook): number {
  if (!isPlainObject(usage)) return 0;
  const reported =
    nonNegativeFinite(usage['cost_usd']) ?? nonNegativeFinite(usage['total_cost_usd']);
  if (reported !== undefined) return reported;
  const model = usage['model'];
  if (typeof model !== 'string') return 0;
  const input = tokenCount(usage['prompt_tokens']) ?? 0;
  const output = tokenCount(usage['completion_tokens']) ?? 0;
  return priceBookCost(model, input, output, prices) ?? 0;
}
