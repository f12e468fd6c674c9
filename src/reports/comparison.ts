import { EvalRunError, ReportFileError } from '../errors.js';
import { AGGREGATE_NAMES, PASS_THRESHOLD, type AggregateName } from './aggregates.js';
import type { EvalReport } from './eval-report.js';
import type { SavedDatasetReport, SavedReport } from './report-file.js';
import type { ReportSummary } from './report-summary.js';

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
}

/** The comparison of two reports: one dataset pair, or an eval set's datasets paired by name. */
export interface Comparison {
  readonly kind: 'dataset' | 'eval-set';
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

/** How many samples the crossings touch: a sample that crossed on two metrics counts once. */
export function crossedSampleCount(crossings: readonly SampleCrossing[]): number {
  return new Set(crossings.map((crossing) => crossing.id)).size;
}

/** Two reports of one dataset compared: aggregates, cohorts, pass-line crossings, failures. */
export function compareDatasetReports(
  base: SavedDatasetReport,
  head: SavedDatasetReport,
): DatasetComparison {
  const baseById = new Map(base.samples.map((sample) => [sample.id, sample]));
  const headIds = new Set(head.samples.map((sample) => sample.id));
  const regressed: SampleCrossing[] = [];
  const improved: SampleCrossing[] = [];
  let paired = 0;
  for (const sample of head.samples) {
    const before = baseById.get(sample.id);
    if (before === undefined) continue;
    paired++;
    for (const [metric, entry] of Object.entries(sample.scores)) {
      const baseScore = before.scores[metric]?.score;
      const headScore = entry.score;
      if (typeof baseScore !== 'number' || headScore === null) continue;
      const crossing = { id: sample.id, metric, base: baseScore, head: headScore };
      if (baseScore >= PASS_THRESHOLD && headScore < PASS_THRESHOLD) regressed.push(crossing);
      else if (baseScore < PASS_THRESHOLD && headScore >= PASS_THRESHOLD) improved.push(crossing);
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
  };
}

export interface CompareOptions {
  /** Names for the two sides in errors (file paths). */
  readonly baseSource: string;
  readonly headSource: string;
  /** Compare reports of two different datasets (a renamed dataset). */
  readonly allowDatasetMismatch?: boolean;
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
      datasets: [compareDatasetReports(base.report, head.report)],
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
    if (before !== undefined) datasets.push(compareDatasetReports(before, report));
  }
  return {
    kind: 'eval-set',
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
    metrics: summary.metrics,
    macro_f1: summary.macroF1,
    cohorts: summary.cohorts.map((cohort) => ({ ...cohort })),
    samples: report.sampleResults.map((result, index) => ({
      id: result.sample.id,
      tags: summary.sampleTags[index] ?? [],
      actual_output: result.actualOutput,
      scores: Object.fromEntries(
        [...result.metricScores].map(([name, score]) => [name, { score: score.score }]),
      ),
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
  /** One line for stderr when the gate failed; null when it passed. */
  readonly message: string | null;
}

/** Parse one `--max-drop` value: `metric[:mean|p50|p95|pass_rate]=<percentage points>`. */
export function parseMaxDropGate(text: string): ComparisonGate {
  const match = /^([^=]+)=(.+)$/.exec(text.trim());
  const points = match === null ? Number.NaN : Number(match[2]);
  if (match === null || !Number.isFinite(points) || points < 0 || match[2]?.trim() === '') {
    throw new EvalRunError(
      `Invalid --max-drop '${text}': expected metric[:mean|p50|p95|pass_rate]=<percentage points>, such as contains:mean=5 or macro_f1=2.`,
    );
  }
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

/** Apply the gates: max-drop to every compared dataset, max-regressed to the regressed total. */
export function evaluateComparisonGates(
  comparison: Comparison,
  gates: readonly ComparisonGate[],
): ComparisonGateResult[] {
  const results: ComparisonGateResult[] = [];
  for (const gate of gates) {
    if (gate.kind === 'max-regressed') {
      const regressed = comparison.datasets.reduce(
        (sum, dataset) => sum + crossedSampleCount(dataset.samples.regressed),
        0,
      );
      const passed = regressed <= gate.max;
      results.push({
        kind: gate.kind,
        gate: `--max-regressed ${gate.max}`,
        dataset: null,
        passed,
        actual: regressed,
        limit: gate.max,
        message: passed
          ? null
          : `Comparison gate failed: ${regressed} sample(s) crossed the pass line downwards, above --max-regressed ${gate.max}`,
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
      const passed = drop !== null && Math.round(drop * 1e9) / 1e9 <= gate.maxDropPoints;
      const where = `(${dataset.dataset})`;
      results.push({
        kind: gate.kind,
        gate: `--max-drop ${label}=${gate.maxDropPoints}`,
        dataset: dataset.dataset,
        passed,
        actual: drop,
        limit: gate.maxDropPoints,
        message: passed
          ? null
          : value.base === null || value.head === null
            ? `Comparison gate failed ${where}: ${label} is missing from the ${value.base === null ? 'base' : 'head'} report`
            : `Comparison gate failed ${where}: ${label} dropped by ${points(-(value.delta ?? 0))} percentage points (${value.base.toFixed(4)} -> ${value.head.toFixed(4)}), above --max-drop ${gate.maxDropPoints}`,
      });
    }
  }
  return results;
}
