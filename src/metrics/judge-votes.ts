import type { JudgeClient, ProviderUsage } from '../providers/index.js';
import { withUsage } from '../providers/index.js';
import { createMetricScore, type MetricScore } from './metric.js';
import { withUsageDetails } from './provider-metrics.js';

/** What one vote's reply says: its score and the details worth keeping from it. */
export interface VoteReading {
  readonly score: number;
  readonly details: Record<string, unknown>;
}

/** How a judged metric asks: how many votes, and the prompt of each (votes may alternate). */
export interface JudgeAsking {
  readonly votes: number;
  prompt(vote: number): string;
  /** Reads one reply; throws a MetricError when it is not what the prompt asked for. */
  read(content: string, vote: number): VoteReading;
}

/** The usage of several calls as one record: tokens and costs summed, `calls` counting them. */
export function mergeUsage(usages: readonly ProviderUsage[]): ProviderUsage {
  if (usages.length === 1) return usages[0] as ProviderUsage;
  const merged: Record<string, unknown> = {};
  let cached = 0;
  for (const usage of usages) {
    if (usage.cached === true) cached++;
    for (const field of [
      'prompt_tokens',
      'completion_tokens',
      'total_tokens',
      'cost_usd',
      'latency_ms',
    ] as const) {
      const value = usage[field];
      if (value !== undefined) merged[field] = ((merged[field] as number | undefined) ?? 0) + value;
    }
    if (usage.model !== undefined) merged['model'] = usage.model;
  }
  // All answered from the cache: nothing was spent. Some: the others' spend is what counts.
  if (cached === usages.length) return { cached: true };
  return { ...merged, calls: usages.length - cached } as ProviderUsage;
}

/**
 * Ask the judge `votes` times (each vote its own request and cache entry) and score the mean. The
 * details are the first vote's, plus every vote's score and their spread when there are several,
 * so a report can list the samples the judge is least sure of. A failed vote fails the metric
 * for the sample, carrying the spend of every vote that was made.
 */
export async function judgeByVotes(client: JudgeClient, asking: JudgeAsking): Promise<MetricScore> {
  const outcomes = await Promise.allSettled(
    Array.from({ length: asking.votes }, async (_, vote) => {
      const prompt = asking.prompt(vote);
      const { content, usage } = await client.judge(prompt, { vote });
      try {
        const reading = asking.read(content, vote);
        return {
          usage,
          reading: {
            score: reading.score,
            details: {
              ...reading.details,
              prompt_chars: Buffer.byteLength(prompt, 'utf8'),
              response_chars: Buffer.byteLength(content, 'utf8'),
            },
          },
        };
      } catch (error) {
        throw error instanceof Error ? withUsage(error, usage) : error;
      }
    }),
  );
  const usages: ProviderUsage[] = [];
  for (const outcome of outcomes) {
    if (outcome.status === 'fulfilled') usages.push(outcome.value.usage);
    else {
      const carried = (outcome.reason as { usage?: ProviderUsage } | null)?.usage;
      if (carried !== undefined) usages.push(carried);
    }
  }
  const usage = usages.length === 0 ? {} : mergeUsage(usages);
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed !== undefined) {
    const reason: unknown = failed.reason;
    throw reason instanceof Error ? withUsage(reason, usage) : reason;
  }
  const readings = outcomes.map(
    (outcome) => (outcome as PromiseFulfilledResult<{ reading: VoteReading }>).value.reading,
  );
  const scores = readings.map((reading) => reading.score);
  const mean = scores.reduce((sum, score) => sum + score, 0) / scores.length;
  const first = readings[0] as VoteReading;
  return createMetricScore(
    Math.min(1, Math.max(0, mean)),
    withUsageDetails(
      scores.length === 1
        ? first.details
        : {
            ...first.details,
            vote_scores: scores,
            vote_spread: Math.max(...scores) - Math.min(...scores),
          },
      usage,
    ),
  );
}
