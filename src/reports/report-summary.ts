import { sampleTags } from '../datasets/index.js';
import {
  aggregateScores,
  histogram,
  type HistogramBucket,
  type MetricAggregate,
} from './aggregates.js';
import {
  compareCodePoints,
  sampleAdversarial,
  summarizeAdversarial,
  type AdversarialSummary,
  type SampleAdversarial,
} from './adversarial-summary.js';
import { passLineOf, type EvalReport } from './eval-report.js';
import { summarizeUsage, type PriceBook, type UsageSummary } from './usage-summary.js';
import type { SutUsage } from '../sut/index.js';

/** A SUT's usage in the providers' shape, so one summary counts both. */
export function sutUsage(usage: SutUsage): Record<string, unknown> {
  if (usage.cached === true) return { cached: true };
  return {
    model: usage.model,
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

export interface CohortSummary {
  name: string | null;
  label: string;
  is_untagged: boolean;
  sample_count: number;
  metrics: Record<string, MetricAggregate>;
}

/** Everything the renderers print, computed once per report. */
export interface ReportSummary {
  readonly metricNames: readonly string[];
  readonly metrics: Readonly<Record<string, MetricAggregate>>;
  readonly distributions: Readonly<Record<string, HistogramBucket[]>>;
  readonly usage: UsageSummary;
  readonly cohorts: readonly CohortSummary[];
  readonly adversarial: AdversarialSummary;
  /** Mean pass rate over the metrics that have at least one score (a "macro" pass rate). */
  readonly macroF1: number;
  readonly sampleTags: readonly string[][];
  readonly sampleAdversarial: readonly (SampleAdversarial | null)[];
  /** With `--repeat`: per metric, the ids of samples that passed in some repeats only. */
  readonly flakySamples: Readonly<Record<string, readonly string[]>>;
  /** The judged scores whose votes disagree most (largest spread first); empty without votes. */
  readonly judgeDisagreement: readonly JudgeDisagreement[];
}

/** One judged score whose votes differ: the sample, the metric, and the votes' scores. */
export interface JudgeDisagreement {
  readonly sample_id: string;
  readonly metric: string;
  readonly spread: number;
  readonly votes: readonly number[];
}

/** How many of the most disputed judged scores a report lists. */
export const MAX_JUDGE_DISAGREEMENTS = 10;

/**
 * Metric names in first-seen order over sample scores, then those seen only in failures.
 */
export function reportMetricNames(report: EvalReport): string[] {
  const names = new Set<string>();
  for (const result of report.sampleResults)
    for (const name of result.metricScores.keys()) names.add(name);
  for (const failure of report.failures) names.add(failure.metricName);
  return [...names];
}

export interface SummaryOptions {
  /** The config's `costs`: USD per million tokens by model. */
  readonly prices?: PriceBook;
}

export function summarizeReport(report: EvalReport, options: SummaryOptions = {}): ReportSummary {
  const metricNames = reportMetricNames(report);
  const results = report.sampleResults;

  // Each score with the pass line it is held to: the sample's own, else the metric's.
  const scoresOf = (
    name: string,
    indexes?: readonly number[],
  ): { scores: number[]; lines: number[] } => {
    const scores: number[] = [];
    const lines: number[] = [];
    const pick = (i: number): void => {
      const result = results[i];
      const score = result?.metricScores.get(name);
      if (result === undefined || score === undefined) return;
      scores.push(score.score);
      lines.push(passLineOf(report, result.sample, name));
    };
    if (indexes === undefined) for (let i = 0; i < results.length; i++) pick(i);
    else for (const i of indexes) pick(i);
    return { scores, lines };
  };
  const aggregatesFor = (indexes?: readonly number[]): Record<string, MetricAggregate> => {
    const out: Record<string, MetricAggregate> = {};
    for (const name of metricNames) {
      const { scores, lines } = scoresOf(name, indexes);
      out[name] = aggregateScores(scores, lines);
    }
    return out;
  };

  const allScores = new Map(metricNames.map((name) => [name, scoresOf(name)]));
  const repeated = results.some((result) => result.repeats !== undefined);
  const flakySamples: Record<string, string[]> = {};
  const metrics: Record<string, MetricAggregate> = {};
  const distributions: Record<string, HistogramBucket[]> = {};
  let passRateSum = 0;
  let scoredMetrics = 0;
  for (const name of metricNames) {
    const { scores, lines } = allScores.get(name) ?? { scores: [], lines: [] };
    const aggregate = aggregateScores(scores, lines);
    if (repeated) {
      const over = repeatAggregates(report, name);
      metrics[name] = { ...aggregate, ...over.aggregates };
      flakySamples[name] = over.flaky;
    } else {
      metrics[name] = aggregate;
    }
    distributions[name] = histogram(scores);
    if (scores.length > 0) {
      passRateSum += aggregate.pass_rate;
      scoredMetrics++;
    }
  }

  const tags = results.map((result) => sampleTags(result.sample));
  const cohortIndexes = new Map<string, number[]>();
  const untagged: number[] = [];
  tags.forEach((sampleTagList, index) => {
    if (sampleTagList.length === 0) untagged.push(index);
    for (const tag of sampleTagList) {
      const list = cohortIndexes.get(tag);
      if (list === undefined) cohortIndexes.set(tag, [index]);
      else list.push(index);
    }
  });
  const cohorts: CohortSummary[] = [...cohortIndexes.entries()]
    .sort(([a], [b]) => compareCodePoints(a, b))
    .map(([tag, indexes]) => ({
      name: tag,
      label: tag,
      is_untagged: false,
      sample_count: indexes.length,
      metrics: aggregatesFor(indexes),
    }));
  if (untagged.length > 0) {
    cohorts.push({
      name: null,
      label: '(untagged)',
      is_untagged: true,
      sample_count: untagged.length,
      metrics: aggregatesFor(untagged),
    });
  }

  const usages: unknown[] = [];
  const disputed = new DisputedScores(MAX_JUDGE_DISAGREEMENTS);
  for (const result of results)
    for (const scored of result.repeats ?? [result]) {
      if (scored.usage !== undefined) usages.push(sutUsage(scored.usage));
      for (const [name, score] of scored.metricScores) {
        usages.push(score.details['usage']);
        disputed.offer(result.sample.id, name, score.details);
      }
    }
  for (const failure of report.failures) usages.push(failure.details['usage']);

  return {
    metricNames,
    metrics,
    distributions,
    usage: summarizeUsage(usages, options.prices),
    cohorts,
    adversarial: summarizeAdversarial(
      results.map((result) => result.sample),
      aggregatesFor,
    ),
    macroF1: scoredMetrics === 0 ? 0 : passRateSum / scoredMetrics,
    sampleTags: tags,
    sampleAdversarial: results.map((result) => sampleAdversarial(result.sample)),
    flakySamples,
    judgeDisagreement: disputed.list(),
  };
}

/**
 * The judged scores with the widest spread of votes, kept to a fixed number as scores stream by,
 * so a large run keeps no list per sample.
 */
class DisputedScores {
  private readonly kept: JudgeDisagreement[] = [];
  constructor(private readonly limit: number) {}

  offer(sampleId: string, metric: string, details: Readonly<Record<string, unknown>>): void {
    const spread = details['vote_spread'];
    const votes = details['vote_scores'];
    if (typeof spread !== 'number' || !(spread > 0) || !Array.isArray(votes)) return;
    if (this.kept.length === this.limit && spread <= (this.kept.at(-1)?.spread ?? 0)) return;
    this.kept.push({ sample_id: sampleId, metric, spread, votes: votes as number[] });
    this.kept.sort((a, b) => b.spread - a.spread);
    if (this.kept.length > this.limit) this.kept.pop();
  }

  list(): JudgeDisagreement[] {
    return [...this.kept];
  }
}

/**
 * pass_all, pass_any and the flaky samples of one metric over the samples' repeats. A repeat in
 * which the metric failed to score counts as not passed; samples it never scored are left out.
 */
function repeatAggregates(
  report: EvalReport,
  name: string,
): {
  aggregates: Pick<MetricAggregate, 'pass_all' | 'pass_any' | 'flaky_samples'>;
  flaky: string[];
} {
  let scored = 0;
  let all = 0;
  let any = 0;
  const flaky: string[] = [];
  for (const result of report.sampleResults) {
    const repeats = result.repeats ?? [result];
    const line = passLineOf(report, result.sample, name);
    const passes = repeats.map((repeat) => (repeat.metricScores.get(name)?.score ?? -1) >= line);
    if (!repeats.some((repeat) => repeat.metricScores.has(name))) continue;
    scored++;
    const passedAll = passes.every(Boolean);
    const passedAny = passes.some(Boolean);
    if (passedAll) all++;
    if (passedAny) any++;
    if (passedAny && !passedAll) flaky.push(result.sample.id);
  }
  return {
    aggregates: {
      pass_all: scored === 0 ? 0 : all / scored,
      pass_any: scored === 0 ? 0 : any / scored,
      flaky_samples: flaky.length,
    },
    flaky,
  };
}
