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
}

const TOKEN_FIELDS = ['prompt_tokens', 'completion_tokens', 'total_tokens'] as const;

/** Sum provider usage found in score and failure details. */
export function summarizeUsage(usages: Iterable<unknown>): UsageSummary {
  const summary: UsageSummary = {
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
  for (const usage of usages) {
    if (!isPlainObject(usage)) continue;
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
  summary.latency_ms.mean =
    summary.latency_ms.count === 0 ? 0 : summary.latency_ms.total / summary.latency_ms.count;
  return summary;
}
