import { sampleTags, sampleThresholds, type DatasetSample } from '../datasets/index.js';
import {
  ScoreColumn,
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
} from './adversarial-summary.js';
import { passLineOf, type EvalReport, type SampleResult } from './eval-report.js';
import { UsageTally, type PriceBook, type UsageSummary } from './usage-summary.js';
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
  /** With `--repeat`: per metric, the ids of samples that passed in some repeats only. */
  readonly flakySamples: Readonly<Record<string, readonly string[]>>;
  /** The judged scores whose votes disagree most (largest spread first); empty without votes. */
  readonly judgeDisagreement: readonly JudgeDisagreement[];
  /** Metrics for which some sample sets its own pass line (`metadata.thresholds`, a check). */
  readonly metricsWithOwnLines: ReadonlySet<string>;
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

/** Score columns by metric name, for one group of samples (all, a cohort, a category). */
type ColumnsByMetric = Map<string, ScoreColumn>;

function addScore(group: ColumnsByMetric, name: string, score: number, line: number): void {
  let column = group.get(name);
  if (column === undefined) {
    column = new ScoreColumn();
    group.set(name, column);
  }
  column.add(score, line);
}

/** pass_all / pass_any bookkeeping of one metric over the samples' repeats. */
interface RepeatTally {
  scored: number;
  all: number;
  any: number;
  flaky: string[];
}

/**
 * The summary of a report in one pass over its samples (a spooled report is read once): each
 * metric's scores go into compact columns (overall, per cohort, per adversarial category), from
 * which aggregates, histograms and pass rates are computed; no sample object is kept.
 */
export function summarizeReport(report: EvalReport, options: SummaryOptions = {}): ReportSummary {
  const seen = new Set<string>();
  const overall: ColumnsByMetric = new Map();
  const cohortColumns = new Map<string, { count: number; columns: ColumnsByMetric }>();
  const untagged = { count: 0, columns: new Map() as ColumnsByMetric };
  const categoryColumns = new Map<string, ColumnsByMetric>();
  const adversarialSamples: DatasetSample[] = [];
  const repeatTallies = new Map<string, RepeatTally>();
  let repeated = false;
  const usage = new UsageTally(options.prices);
  const disputed = new DisputedScores(MAX_JUDGE_DISAGREEMENTS);
  const metricsWithOwnLines = new Set<string>();

  for (const result of report.sampleResults) {
    const { sample } = result;
    for (const name of Object.keys(sampleThresholds(sample))) metricsWithOwnLines.add(name);
    const tags = sampleTags(sample);
    const groups: { count: number; columns: ColumnsByMetric }[] = [];
    if (tags.length === 0) groups.push(untagged);
    for (const tag of tags) {
      let cohort = cohortColumns.get(tag);
      if (cohort === undefined) {
        cohort = { count: 0, columns: new Map() };
        cohortColumns.set(tag, cohort);
      }
      groups.push(cohort);
    }
    for (const group of groups) group.count++;
    const adversarial = sampleAdversarial(sample);
    let category: ColumnsByMetric | undefined;
    if (adversarial !== null) {
      adversarialSamples.push(sample);
      category = categoryColumns.get(adversarial.category);
      if (category === undefined) {
        category = new Map();
        categoryColumns.set(adversarial.category, category);
      }
    }
    for (const [name, score] of result.metricScores) {
      seen.add(name);
      const line = passLineOf(report, sample, name);
      addScore(overall, name, score.score, line);
      for (const group of groups) addScore(group.columns, name, score.score, line);
      if (category !== undefined) addScore(category, name, score.score, line);
    }
    if (result.repeats !== undefined) repeated = true;
    tallyRepeats(report, result, repeatTallies);
    for (const scored of result.repeats ?? [result]) {
      if (scored.usage !== undefined) usage.add(sutUsage(scored.usage));
      for (const [name, score] of scored.metricScores) {
        usage.add(score.details['usage']);
        disputed.offer(sample.id, name, score.details);
      }
    }
  }
  for (const failure of report.failures) {
    seen.add(failure.metricName);
    usage.add(failure.details['usage']);
  }
  const metricNames = [...seen];

  const aggregatesOf = (group: ColumnsByMetric | undefined): Record<string, MetricAggregate> => {
    const out: Record<string, MetricAggregate> = {};
    for (const name of metricNames)
      out[name] = group?.get(name)?.aggregate() ?? aggregateScores([]);
    return out;
  };

  const flakySamples: Record<string, string[]> = {};
  const metrics: Record<string, MetricAggregate> = {};
  const distributions: Record<string, HistogramBucket[]> = {};
  let passRateSum = 0;
  let scoredMetrics = 0;
  for (const name of metricNames) {
    const column = overall.get(name);
    const aggregate = column?.aggregate() ?? aggregateScores([]);
    if (repeated) {
      const tally = repeatTallies.get(name) ?? { scored: 0, all: 0, any: 0, flaky: [] };
      metrics[name] = {
        ...aggregate,
        pass_all: tally.scored === 0 ? 0 : tally.all / tally.scored,
        pass_any: tally.scored === 0 ? 0 : tally.any / tally.scored,
        flaky_samples: tally.flaky.length,
      };
      flakySamples[name] = tally.flaky;
    } else {
      metrics[name] = aggregate;
    }
    distributions[name] = histogram(column?.scores() ?? []);
    if ((column?.count ?? 0) > 0) {
      passRateSum += aggregate.pass_rate;
      scoredMetrics++;
    }
  }

  const cohorts: CohortSummary[] = [...cohortColumns.entries()]
    .sort(([a], [b]) => compareCodePoints(a, b))
    .map(([tag, cohort]) => ({
      name: tag,
      label: tag,
      is_untagged: false,
      sample_count: cohort.count,
      metrics: aggregatesOf(cohort.columns),
    }));
  if (untagged.count > 0) {
    cohorts.push({
      name: null,
      label: '(untagged)',
      is_untagged: true,
      sample_count: untagged.count,
      metrics: aggregatesOf(untagged.columns),
    });
  }

  return {
    metricNames,
    metrics,
    distributions,
    usage: usage.summary(),
    cohorts,
    adversarial: summarizeAdversarial(adversarialSamples, (name) =>
      aggregatesOf(categoryColumns.get(name)),
    ),
    macroF1: scoredMetrics === 0 ? 0 : passRateSum / scoredMetrics,
    flakySamples,
    judgeDisagreement: disputed.list(),
    metricsWithOwnLines,
  };
}

/**
 * pass_all, pass_any and the flaky samples per metric over one sample's repeats (a sample without
 * repeats is its own single repeat). A repeat in which the metric failed to score counts as not
 * passed; a metric no repeat scored is left out for the sample.
 */
function tallyRepeats(
  report: EvalReport,
  result: SampleResult,
  tallies: Map<string, RepeatTally>,
): void {
  const repeats = result.repeats ?? [result];
  const names = new Set<string>();
  for (const repeat of repeats) for (const name of repeat.metricScores.keys()) names.add(name);
  for (const name of names) {
    const line = passLineOf(report, result.sample, name);
    let passedAll = true;
    let passedAny = false;
    for (const repeat of repeats) {
      const passed = (repeat.metricScores.get(name)?.score ?? -1) >= line;
      passedAll &&= passed;
      passedAny ||= passed;
    }
    let tally = tallies.get(name);
    if (tally === undefined) {
      tally = { scored: 0, all: 0, any: 0, flaky: [] };
      tallies.set(name, tally);
    }
    tally.scored++;
    if (passedAll) tally.all++;
    if (passedAny) tally.any++;
    if (passedAny && !passedAll) tally.flaky.push(result.sample.id);
  }
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
