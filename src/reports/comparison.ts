import { sampleTags } from '../datasets/index.js';
import { EvalRunError, ReportFileError } from '../errors.js';
import { AGGREGATE_NAMES, type AggregateName } from './aggregates.js';
import { savedPassLines, type EvalReport } from './eval-report.js';
import { savedPassLineOf, type SavedDatasetReport, type SavedReport } from './report-file.js';
import type { ReportSummary } from './report-summary.js';
import { pairedStatistics, type PairedStatistics } from './paired-stats.js';

/** The confidence of comparison intervals unless `--confidence` says otherwise. */
export const DEFAULT_CONFIDENCE = 0.95;

export const COMPARISON_SCHEMA_V1 = 'eval-harness.comparison.v1';

/** A value in the base and head reports and how it moved (head minus base); null where absent. */
export interface ValueDelta {
  readonly base: number | null;
  readonly head: number | null;
  readonly delta: number | null;
}

/** A sample whose score for one metric crossed the pass line between the two runs. */
export interface SampleCrossing {
  readonly id: string;
  readonly metric: string;
  readonly base: number;
  readonly head: number;
}

export interface FailureRef {
  readonly sample_id: string;
  readonly metric: string;
  readonly error: string;
}

/** Two runs of one dataset, side by side. */
export interface DatasetComparison {
  readonly dataset: string;
  /** Set when the base report is of another dataset (`--allow-dataset-mismatch`). */
  readonly base_dataset?: string;
  readonly base_samples: number;
  readonly head_samples: number;
  /** The head run's pass line of each metric (a sample may set its own). */
  readonly pass_lines: Record<string, number>;
  /**
   * Why the two runs' scores may not be comparable: a judge or embeddings model or prompt that
   * changed, or answers that came from the response cache in one run only.
   */
  readonly warnings: readonly string[];
  readonly metrics: Record<string, Record<AggregateName, ValueDelta>>;
  readonly macro_f1: ValueDelta;
  readonly cohorts: readonly {
    readonly tag: string;
    readonly metrics: Record<string, Record<AggregateName, ValueDelta>>;
  }[];
  readonly samples: {
    readonly paired: number;
    readonly regressed: readonly SampleCrossing[];
    readonly improved: readonly SampleCrossing[];
    readonly only_in_base: readonly string[];
    readonly only_in_head: readonly string[];
  };
  readonly failures: {
    readonly added: readonly FailureRef[];
    readonly resolved: readonly FailureRef[];
  };
  /**
   * Per metric scored in both runs: paired statistics over the samples both scored (a sample's
   * score is already the mean of its repeats), so a reader can tell a change from noise.
   */
  readonly statistics: Record<string, PairedStatistics>;
}

/** The comparison of two reports: one dataset pair, or an eval set's datasets paired by name. */
export interface Comparison {
  readonly kind: 'dataset' | 'eval-set';
  /** The confidence of every interval, e.g. 0.95. */
  readonly confidence: number;
  readonly eval_set?: string;
  readonly datasets: readonly DatasetComparison[];
  /** Eval sets: datasets present in one report only. */
  readonly datasets_only_in_base: readonly string[];
  readonly datasets_only_in_head: readonly string[];
}

function delta(base: number | undefined, head: number | undefined): ValueDelta {
  return {
    base: base ?? null,
    head: head ?? null,
    delta: base === undefined || head === undefined ? null : head - base,
  };
}

type Aggregates = Readonly<Record<string, Readonly<Record<AggregateName, number>>>>;

function aggregateDeltas(base: Aggregates, head: Aggregates) {
  const names = [...new Set([...Object.keys(base), ...Object.keys(head)])];
  const out: Record<string, Record<AggregateName, ValueDelta>> = {};
  for (const name of names) {
    const row = {} as Record<AggregateName, ValueDelta>;
    for (const aggregate of AGGREGATE_NAMES)
      row[aggregate] = delta(base[name]?.[aggregate], head[name]?.[aggregate]);
    out[name] = row;
  }
  return out;
}

/** What makes two runs' scores hard to compare, one sentence each. */
export function comparabilityWarnings(
  base: SavedDatasetReport,
  head: SavedDatasetReport,
): string[] {
  const warnings: string[] = [];
  const names = [
    ...new Set([...Object.keys(base.providers ?? {}), ...Object.keys(head.providers ?? {})]),
  ];
  for (const name of names) {
    const before = base.providers?.[name];
    const after = head.providers?.[name];
    if (before === undefined || after === undefined) continue;
    if (before.model !== after.model)
      warnings.push(
        `the ${name} model changed (base ${before.model ?? 'unknown'}, head ${after.model ?? 'unknown'}): its scores may not be comparable`,
      );
    else if (before.fingerprint !== after.fingerprint)
      warnings.push(
        `the ${name}'s prompt or options changed (fingerprint ${before.fingerprint} -> ${after.fingerprint}): its scores may not be comparable`,
      );
  }
  const cached = (report: SavedDatasetReport) => report.usage?.cached_calls ?? 0;
  if (cached(base) > 0 !== cached(head) > 0) {
    const [run, other] = cached(base) > 0 ? ['base', 'head'] : ['head', 'base'];
    warnings.push(
      `the ${run} run took ${Math.max(cached(base), cached(head))} answer(s) or score(s) from the response cache and the ${other} run none: cached scores repeat an earlier run's judgement`,
    );
  }
  return warnings;
}

/** How many samples the crossings touch: a sample that crossed on two metrics counts once. */
export function crossedSampleCount(crossings: readonly SampleCrossing[]): number {
  return new Set(crossings.map((crossing) => crossing.id)).size;
}

/** Two reports of one dataset compared: aggregates, cohorts, pass-line crossings, failures. */
export function compareDatasetReports(
  base: SavedDatasetReport,
  head: SavedDatasetReport,
  confidence = DEFAULT_CONFIDENCE,
): DatasetComparison {
  const baseById = new Map(base.samples.map((sample) => [sample.id, sample]));
  const headIds = new Set(head.samples.map((sample) => sample.id));
  const regressed: SampleCrossing[] = [];
  const improved: SampleCrossing[] = [];
  const pairs = new Map<
    string,
    { base: number; head: number; passLine: number; headPassLine: number }[]
  >();
  let paired = 0;
  for (const sample of head.samples) {
    const before = baseById.get(sample.id);
    if (before === undefined) continue;
    paired++;
    for (const [metric, entry] of Object.entries(sample.scores)) {
      const baseScore = before.scores[metric]?.score;
      const headScore = entry.score;
      if (typeof baseScore !== 'number' || headScore === null) continue;
      // Each run holds its score to its own pass line for the sample.
      const baseLine = savedPassLineOf(base, before, metric);
      const headLine = savedPassLineOf(head, sample, metric);
      const list = pairs.get(metric) ?? [];
      list.push({ base: baseScore, head: headScore, passLine: baseLine, headPassLine: headLine });
      pairs.set(metric, list);
      const crossing = { id: sample.id, metric, base: baseScore, head: headScore };
      if (baseScore >= baseLine && headScore < headLine) regressed.push(crossing);
      else if (baseScore < baseLine && headScore >= headLine) improved.push(crossing);
    }
  }
  const failureKey = (failure: FailureRef) => `${failure.sample_id}\u0000${failure.metric}`;
  const baseFailures = new Set(base.failures.map(failureKey));
  const headFailures = new Set(head.failures.map(failureKey));
  const cohortsOf = (report: SavedDatasetReport) =>
    new Map(report.cohorts.map((cohort) => [cohort.label, cohort.metrics]));
  const baseCohorts = cohortsOf(base);
  const headCohorts = cohortsOf(head);
  const tags = [...new Set([...baseCohorts.keys(), ...headCohorts.keys()])];
  return {
    dataset: head.dataset,
    ...(base.dataset === head.dataset ? {} : { base_dataset: base.dataset }),
    base_samples: base.samples.length,
    head_samples: head.samples.length,
    pass_lines: { ...head.pass_lines },
    warnings: comparabilityWarnings(base, head),
    metrics: aggregateDeltas(base.metrics, head.metrics),
    macro_f1: delta(base.macro_f1, head.macro_f1),
    cohorts: tags.map((tag) => ({
      tag,
      metrics: aggregateDeltas(baseCohorts.get(tag) ?? {}, headCohorts.get(tag) ?? {}),
    })),
    samples: {
      paired,
      regressed,
      improved,
      only_in_base: base.samples.filter((s) => !headIds.has(s.id)).map((s) => s.id),
      only_in_head: head.samples.filter((s) => !baseById.has(s.id)).map((s) => s.id),
    },
    failures: {
      added: head.failures.filter((failure) => !baseFailures.has(failureKey(failure))),
      resolved: base.failures.filter((failure) => !headFailures.has(failureKey(failure))),
    },
    statistics: Object.fromEntries(
      [...pairs].map(([metric, list]) => [metric, pairedStatistics(list, confidence)]),
    ),
  };
}

export interface CompareOptions {
  /** Names for the two sides in errors (file paths). */
  readonly baseSource: string;
  readonly headSource: string;
  /** Compare reports of two different datasets (a renamed dataset). */
  readonly allowDatasetMismatch?: boolean;
  /** @defaultValue 0.95 */
  readonly confidence?: number;
}

/**
 * Compare two saved reports of the same kind. A dataset report and an eval-set report do not
 * compare, and neither do two different datasets unless the mismatch is allowed; both are bad
 * input that names the files.
 */
export function compareReports(
  base: SavedReport,
  head: SavedReport,
  options: CompareOptions,
): Comparison {
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  if (base.kind !== head.kind) {
    const describe = (report: SavedReport, source: string) =>
      `${source} is ${report.kind === 'dataset' ? 'a dataset report' : 'an eval-set report'}`;
    throw new ReportFileError(
      `${describe(base, options.baseSource)} and ${describe(head, options.headSource)}; compare two reports of the same kind.`,
    );
  }
  if (base.kind === 'dataset' && head.kind === 'dataset') {
    if (base.report.dataset !== head.report.dataset && options.allowDatasetMismatch !== true) {
      throw new ReportFileError(
        `${options.baseSource} is a report of dataset '${base.report.dataset}' and ${options.headSource} of '${head.report.dataset}'; compare two runs of one dataset, or pass --allow-dataset-mismatch.`,
      );
    }
    return {
      kind: 'dataset',
      confidence,
      datasets: [compareDatasetReports(base.report, head.report, confidence)],
      datasets_only_in_base: [],
      datasets_only_in_head: [],
    };
  }
  if (base.kind !== 'eval-set' || head.kind !== 'eval-set') throw new Error('unreachable');
  if (base.evalSet !== head.evalSet && options.allowDatasetMismatch !== true) {
    throw new ReportFileError(
      `${options.baseSource} is a report of eval set '${base.evalSet}' and ${options.headSource} of '${head.evalSet}'; compare two runs of one eval set, or pass --allow-dataset-mismatch.`,
    );
  }
  const baseByName = new Map(base.reports.map((report) => [report.dataset, report]));
  const headNames = new Set(head.reports.map((report) => report.dataset));
  const datasets: DatasetComparison[] = [];
  for (const report of head.reports) {
    const before = baseByName.get(report.dataset);
    if (before !== undefined) datasets.push(compareDatasetReports(before, report, confidence));
  }
  return {
    kind: 'eval-set',
    confidence,
    eval_set: head.evalSet,
    datasets,
    datasets_only_in_base: base.reports.map((r) => r.dataset).filter((n) => !headNames.has(n)),
    datasets_only_in_head: head.reports.map((r) => r.dataset).filter((n) => !baseByName.has(n)),
  };
}

/** A just-finished run in the shape of a saved report, to compare it with a baseline file. */
export function savedReportOf(report: EvalReport, summary: ReportSummary): SavedDatasetReport {
  return {
    schema_version: 'eval-harness.report.v1',
    dataset: report.datasetName,
    started_at: report.startedAt,
    total_samples: report.sampleResults.length,
    pass_lines: report.passLines,
    ...(report.providers === undefined ? {} : { providers: { ...report.providers } }),
    usage: {
      ...(summary.usage.cached_calls === undefined
        ? {}
        : { cached_calls: summary.usage.cached_calls }),
    },
    metrics: summary.metrics,
    macro_f1: summary.macroF1,
    cohorts: summary.cohorts.map((cohort) => ({ ...cohort })),
    samples: Array.from(report.sampleResults, (result) => ({
      id: result.sample.id,
      tags: sampleTags(result.sample),
      actual_output: result.actualOutput,
      scores: Object.fromEntries(
        [...result.metricScores].map(([name, score]) => [name, { score: score.score }]),
      ),
      ...savedPassLines(result.sample),
    })),
    failures: report.failures.map((failure) => ({
      sample_id: failure.sampleId,
      metric: failure.metricName,
      error: failure.error,
    })),
  };
}

/** `--max-drop metric[:aggregate]=<pp>` or `--max-regressed <n>`. */
export type ComparisonGate =
  | {
      readonly kind: 'max-drop';
      readonly metric: string;
      readonly aggregate: AggregateName | 'macro_f1';
      readonly maxDropPoints: number;
    }
  | { readonly kind: 'max-regressed'; readonly max: number };

export interface ComparisonGateResult {
  readonly kind: ComparisonGate['kind'];
  /** The gate as typed: `--max-drop contains:mean=5`, `--max-regressed 3`. */
  readonly gate: string;
  readonly dataset: string | null;
  readonly passed: boolean;
  /** The drop in percentage points (max-drop), or the number of regressed samples. */
  readonly actual: number | null;
  readonly limit: number;
  /** What decided it: `point estimate`, `count`, a confidence interval, or McNemar. */
  readonly rule: string;
  /** One line for stderr when the gate failed; null when it passed. */
  readonly message: string | null;
}

/**
 * Parse one `--max-drop` value: `metric[:mean|p50|p95|pass_rate]=<limit>`, the limit in
 * percentage points (`5pp`) or in score units (`0.05score`). A bare number means points, as it
 * always has; a bare number below 1 is refused, because `rouge-l=0.05` almost always meant a
 * score of 0.05 (5 points), not 0.05 points.
 */
export function parseMaxDropGate(text: string): ComparisonGate {
  const usage = `expected metric[:mean|p50|p95|pass_rate]=<limit> with the limit in percentage points (5pp) or score units (0.05score), such as contains:mean=5pp or macro_f1=0.02score`;
  const match = /^([^=]+)=\s*([0-9]+(?:\.[0-9]+)?)\s*(pp|score)?\s*$/.exec(text.trim());
  if (match === null) throw new EvalRunError(`Invalid --max-drop '${text}': ${usage}.`);
  const value = Number(match[2]);
  const unit = match[3];
  if (unit === undefined && value > 0 && value < 1)
    throw new EvalRunError(
      `Invalid --max-drop '${text}': a bare limit below 1 is ambiguous; write ${match[2]}score for a drop of ${match[2]} in score units (${(value * 100).toFixed(1).replace(/\.0$/, '')} points), or ${match[2]}pp for ${match[2]} percentage points.`,
    );
  const points = unit === 'score' ? value * 100 : value;
  const target = (match[1] as string).trim();
  if (target === 'macro_f1')
    return { kind: 'max-drop', metric: 'macro_f1', aggregate: 'macro_f1', maxDropPoints: points };
  const colon = target.lastIndexOf(':');
  const metric = colon === -1 ? target : target.slice(0, colon);
  const aggregate = colon === -1 ? 'mean' : target.slice(colon + 1);
  if (metric === '' || !(AGGREGATE_NAMES as readonly string[]).includes(aggregate)) {
    throw new EvalRunError(
      `Invalid --max-drop '${text}': the aggregate must be one of ${AGGREGATE_NAMES.join(', ')} (default mean).`,
    );
  }
  return {
    kind: 'max-drop',
    metric,
    aggregate: aggregate as AggregateName,
    maxDropPoints: points,
  };
}

/** `--confidence`: the level of every interval, such as 0.95; from 0.5 up to, not including, 1. */
export function parseConfidence(text: string): number {
  const value = /^\s*0?\.[0-9]+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value) || value < 0.5 || value >= 1)
    throw new EvalRunError(
      `Invalid --confidence '${text}': expected a level from 0.5 to below 1, such as 0.9, 0.95 or 0.99.`,
    );
  return value;
}

/** Parse `--max-regressed`: a whole number of samples, 0 or more. */
export function parseMaxRegressedGate(text: string): ComparisonGate {
  const max = Number(text);
  if (text.trim() === '' || !Number.isInteger(max) || max < 0)
    throw new EvalRunError(
      `Invalid --max-regressed '${text}': expected a whole number of samples, 0 or more.`,
    );
  return { kind: 'max-regressed', max };
}

/**
 * Every metric a `--max-drop` gate names must be scored by one side: a misspelt metric would
 * otherwise pass silently. `neither` ends the message: "neither report has", say.
 */
export function checkComparisonGateMetrics(
  gates: readonly ComparisonGate[],
  known: ReadonlySet<string>,
  neither: string,
): void {
  for (const gate of gates) {
    if (gate.kind === 'max-drop' && gate.metric !== 'macro_f1' && !known.has(gate.metric)) {
      throw new EvalRunError(
        `--max-drop names metric '${gate.metric}', which ${neither} (metrics: ${[...known].join(', ') || 'none'}).`,
      );
    }
  }
}

/** The metrics scored on either side of a comparison. */
export function comparedMetrics(comparison: Comparison): Set<string> {
  return new Set(comparison.datasets.flatMap((dataset) => Object.keys(dataset.metrics)));
}

const points = (ratio: number) => (ratio * 100).toFixed(2);

/**
 * Apply the gates: max-drop to every compared dataset, max-regressed to the regressed total.
 * With `significant`, a mean's max-drop fails only when the whole confidence interval of the
 * change lies below −limit, and max-regressed only when, besides too many regressed samples, some
 * metric has more pass→fail than fail→pass flips with a McNemar p below 1 − confidence. Every
 * result says which rule decided it.
 */
export function evaluateComparisonGates(
  comparison: Comparison,
  gates: readonly ComparisonGate[],
  options: { readonly significant?: boolean } = {},
): ComparisonGateResult[] {
  const significant = options.significant === true;
  const alpha = 1 - comparison.confidence;
  const level = `${Math.round(comparison.confidence * 1000) / 10} %`;
  const results: ComparisonGateResult[] = [];
  for (const gate of gates) {
    if (gate.kind === 'max-regressed') {
      const regressed = comparison.datasets.reduce(
        (sum, dataset) => sum + crossedSampleCount(dataset.samples.regressed),
        0,
      );
      const evidence = comparison.datasets.flatMap((dataset) =>
        Object.entries(dataset.statistics)
          .filter(([, s]) => s.pass_to_fail > s.fail_to_pass && s.mcnemar_p < alpha)
          .map(
            ([metric, s]) =>
              `${metric} (${s.pass_to_fail} vs ${s.fail_to_pass}, McNemar p = ${s.mcnemar_p.toPrecision(2)})`,
          ),
      );
      const passed = regressed <= gate.max || (significant && evidence.length === 0);
      const rule = significant ? `McNemar at ${level}` : 'count';
      results.push({
        kind: gate.kind,
        gate: `--max-regressed ${gate.max}`,
        dataset: null,
        passed,
        actual: regressed,
        limit: gate.max,
        rule,
        message: passed
          ? null
          : `Comparison gate failed: ${regressed} sample(s) crossed the pass line downwards, above --max-regressed ${gate.max}${significant ? `, and more flipped to fail than to pass beyond chance on ${evidence.join(', ')}` : ''} (rule: ${rule})`,
      });
      continue;
    }
    const label = gate.aggregate === 'macro_f1' ? 'macro_f1' : `${gate.metric}:${gate.aggregate}`;
    for (const dataset of comparison.datasets) {
      const value =
        gate.aggregate === 'macro_f1'
          ? dataset.macro_f1
          : dataset.metrics[gate.metric]?.[gate.aggregate];
      if (value === undefined) continue; // this dataset does not score the metric
      const drop = value.delta === null ? null : -value.delta * 100;
      // Rounding keeps a drop of exactly the limit (0.1 - 0.05 in floating point) a pass.
      const pointPass = drop !== null && Math.round(drop * 1e9) / 1e9 <= gate.maxDropPoints;
      const stats = gate.aggregate === 'mean' ? dataset.statistics[gate.metric] : undefined;
      // The evidence rule needs an interval; without one the point estimate decides.
      const interval = significant ? (stats?.interval ?? null) : null;
      const passed =
        interval === null ? pointPass : interval[1] * 100 >= -gate.maxDropPoints - 1e-9;
      const rule =
        interval !== null
          ? `${level} confidence interval`
          : significant && gate.aggregate === 'mean'
            ? 'point estimate (no interval could be computed)'
            : 'point estimate';
      const where = `(${dataset.dataset})`;
      results.push({
        kind: gate.kind,
        gate: `--max-drop ${label}=${gate.maxDropPoints}`,
        dataset: dataset.dataset,
        passed,
        actual: drop,
        limit: gate.maxDropPoints,
        rule,
        message: passed
          ? null
          : value.base === null || value.head === null
            ? `Comparison gate failed ${where}: ${label} is missing from the ${value.base === null ? 'base' : 'head'} report`
            : interval !== null
              ? `Comparison gate failed ${where}: ${label} dropped by ${points(-(value.delta ?? 0))} percentage points (${value.base.toFixed(4)} -> ${value.head.toFixed(4)}), and its whole ${level} interval [${points(interval[0])}, ${points(interval[1])}] lies below -${gate.maxDropPoints} (rule: ${rule})`
              : `Comparison gate failed ${where}: ${label} dropped by ${points(-(value.delta ?? 0))} percentage points (${value.base.toFixed(4)} -> ${value.head.toFixed(4)}), above --max-drop ${gate.maxDropPoints} (rule: ${rule})`,
      });
    }
  }
  return results;
}
