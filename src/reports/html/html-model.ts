import { sampleTags } from '../../datasets/index.js';
import { PASS_THRESHOLD, histogram, type MetricAggregate } from '../aggregates.js';
import {
  crossedSampleCount,
  type Comparison,
  type ComparisonGateResult,
  type DatasetComparison,
} from '../comparison.js';
import { gateActual, statisticsLine } from '../comparison-renderer.js';
import type { GatedReport } from '../gated-report.js';
import type { SavedDatasetReport } from '../report-file.js';
import { passLineOf, runOutcomeLine, type EvalReport } from '../eval-report.js';
import type { ReportSummary } from '../report-summary.js';
import {
  COMPARE_COLUMNS,
  RUN_COLUMNS,
  columnPositions,
  toRow,
  type CompareSampleFields,
  type RunSampleFields,
  type SampleRow,
  type SampleStatus,
} from './sample-columns.js';

/**
 * The data an HTML report page draws, embedded in the page as JSON. Sample rows are arrays in
 * the column order of sample-columns.ts (`RUN_COLUMNS` or `COMPARE_COLUMNS` by `kind`), which
 * the page script reads by the same names.
 */
export interface HtmlModel {
  readonly kind: 'run' | 'compare';
  readonly title: string;
  readonly generator: string;
  /** Every metric of every dataset, in first-seen order: sample rows index scores by it. */
  readonly metrics: readonly string[];
  readonly datasets: readonly HtmlDataset[];
  readonly gates: readonly HtmlGate[];
  readonly samples: readonly SampleRow[];
  /** Said above the samples when the page holds only some of them (see MAX_PAGE_ROWS). */
  readonly rowsNote?: string;
}

export interface HtmlDataset {
  readonly name: string;
  readonly facts: readonly (readonly [string, string])[];
  /** A run's own aggregates (null on a comparison page, which shows the deltas instead). */
  readonly aggregates: Readonly<Record<string, MetricAggregate>> | null;
  readonly macroF1: number;
  /** Ten bucket counts per metric over [0, 1]; `base` only on a comparison page. */
  readonly histograms: Readonly<Record<string, { head: number[]; base?: number[] }>>;
  readonly cohorts: readonly {
    label: string;
    samples: number | null;
    means: Record<string, number>;
  }[];
  readonly comparison: DatasetComparison | null;
  /** One line per metric: is the change real? (see `statisticsLine`); empty without a comparison. */
  readonly verdicts: readonly string[];
}

/** The comparison's verdict lines of one dataset, for the page. */
function verdictsOf(comparison: DatasetComparison | null | undefined): string[] {
  return Object.entries(comparison?.statistics ?? {}).map(([metric, stats]) =>
    statisticsLine(metric, stats),
  );
}

/**
 * Stand-ins for a detail value equal to the sample's own output or expected output. Metrics such
 * as exact-match copy both texts into their details, which would otherwise be most of a large
 * page; the page script puts the texts back when it shows a sample.
 */
export const DETAIL_REFS = {
  output: '\u0000output',
  expected: '\u0000expected',
} as const;

/** A metric's details with top-level copies of the outputs replaced by `DETAIL_REFS`. */
export function compactDetails(
  details: unknown,
  texts: { readonly output: string | null; readonly expected: unknown },
): unknown {
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return details;
  let compacted: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(details)) {
    if (typeof value !== 'string') continue;
    const ref =
      value === texts.output
        ? DETAIL_REFS.output
        : value === texts.expected
          ? DETAIL_REFS.expected
          : undefined;
    if (ref === undefined) continue;
    compacted ??= { ...(details as Record<string, unknown>) };
    compacted[key] = ref;
  }
  return compacted ?? details;
}

export interface HtmlGate {
  readonly label: string;
  readonly passed: boolean;
  readonly detail: string;
}

export type { CompareSampleFields, RunSampleFields, SampleStatus } from './sample-columns.js';

export interface RunPageInput {
  readonly title: string;
  readonly generator: string;
  readonly outcomes: readonly GatedReport[];
  /** A `--baseline` comparison, drawn above the samples. */
  readonly comparison?: Comparison;
  readonly comparisonGates?: readonly ComparisonGateResult[];
  /** Extra gates, such as the adversarial regression gate. */
  readonly extraGates?: readonly HtmlGate[];
  /**
   * Leave sample inputs out of the page. Adversarial sweeps set it: their inputs are attack
   * prompts, which no report of this tool holds.
   */
  readonly withholdInputs?: boolean;
  /** The most sample rows the page holds. @defaultValue MAX_PAGE_ROWS */
  readonly maxRows?: number;
}

/**
 * The most sample rows a page holds: a browser stays responsive with 100,000 rows (the HTML
 * benchmark), not with a million. Above it the page keeps the samples below the pass line, the
 * worst first; every aggregate, chart and cohort still covers every sample.
 */
export const MAX_PAGE_ROWS = 100_000;

/** A count as a page says it: 1,000,000. */
const count = (n: number): string => n.toLocaleString('en');

/** Which samples of each outcome a run page shows, and what the page says when not all. */
interface PageRows {
  /** Per outcome, per sample: 1 when the page shows the sample; undefined: every sample. */
  readonly shown: readonly Uint8Array[] | undefined;
  readonly note?: string;
}

/**
 * The rows of a run page: every sample up to `maxRows`; above it, the samples below the pass line
 * (a score under its line, or a metric that failed), all of them when they fit, else the
 * `maxRows` furthest below their lines. One pass over the scores, no row objects.
 */
export function pageRows(outcomes: readonly GatedReport[], maxRows: number): PageRows {
  const total = outcomes.reduce((sum, { report }) => sum + report.sampleResults.length, 0);
  if (total <= maxRows) return { shown: undefined };
  // How far each sample is below its lines: its lowest score minus that metric's line.
  const margins = outcomes.map(({ report }) => {
    const failed = new Set(report.failures.map((failure) => failure.sampleId));
    const margin = new Float64Array(report.sampleResults.length);
    let i = 0;
    for (const result of report.sampleResults) {
      let lowest = failed.has(result.sample.id) ? -Infinity : Infinity;
      for (const [name, score] of result.metricScores)
        lowest = Math.min(lowest, score.score - passLineOf(report, result.sample, name));
      margin[i++] = lowest;
    }
    return margin;
  });
  const below: [number, number][] = [];
  margins.forEach((margin, d) => {
    for (let i = 0; i < margin.length; i++) if ((margin[i] as number) < 0) below.push([d, i]);
  });
  const worst = below.length > maxRows;
  if (worst)
    below.sort(
      ([d1, i1], [d2, i2]) =>
        (margins[d1]?.[i1] as number) - (margins[d2]?.[i2] as number) || d1 - d2 || i1 - i2,
    );
  const kept = below.slice(0, maxRows);
  const shown = outcomes.map(({ report }) => new Uint8Array(report.sampleResults.length));
  for (const [d, i] of kept) (shown[d] as Uint8Array)[i] = 1;
  return {
    shown,
    note: `This page shows ${worst ? `the ${count(kept.length)} samples furthest below the pass line of the ${count(below.length)} below it` : `the ${count(kept.length)} samples below the pass line`}, out of ${count(total)}: a page holds at most ${count(maxRows)} rows. Every aggregate, chart and cohort covers all ${count(total)} samples; the JSON report lists each of them.`,
  };
}

/** Shown instead of a withheld input. */
export const WITHHELD_INPUT = '(withheld: adversarial prompts are kept out of reports)';

const metricIndex = (metrics: string[]) => {
  const index = new Map<string, number>();
  return (name: string): number => {
    let at = index.get(name);
    if (at === undefined) {
      at = metrics.length;
      metrics.push(name);
      index.set(name, at);
    }
    return at;
  };
};

/**
 * Rows made before a later dataset added metrics get null at the new metrics' places, so every
 * per-metric column of every row is as long as the page's metric list.
 */
function padRows(rows: readonly SampleRow[], columns: readonly number[], width: number) {
  for (const row of rows) {
    for (const column of columns) {
      const cells = row[column] as unknown[];
      while (cells.length < width) cells.push(null);
    }
  }
}

function json(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value, null, 2);
}

function comparisonGates(gates: readonly ComparisonGateResult[] | undefined): HtmlGate[] {
  return (gates ?? []).map((gate) => ({
    label: `${gate.dataset === null ? '' : `${gate.dataset}: `}${gate.gate}`,
    passed: gate.passed,
    detail: gate.message ?? `${gateActual(gate)}, within ${gate.limit} (rule: ${gate.rule})`,
  }));
}

/** Samples named in the facts of a stopped run; the JSON report lists them all. */
const LISTED_IDS = 20;

/**
 * How the run ended, which samples the SUT could not answer or never ran, and its usage with the
 * calls answered from the response cache: facts shown only when they say something.
 */
function runFacts(report: EvalReport, summary: ReportSummary): [string, string][] {
  const listed = (ids: readonly string[]) =>
    `${ids.slice(0, LISTED_IDS).join(', ')}${ids.length > LISTED_IDS ? ` … and ${ids.length - LISTED_IDS} more` : ''}`;
  const facts: [string, string][] = [
    [
      'run',
      `${runOutcomeLine(report)}${report.stopReason === null ? '' : ` ${report.stopReason}`}`,
    ],
  ];
  const passLines = Object.entries(report.passLines);
  if (passLines.length > 0)
    facts.push([
      'pass lines',
      passLines.map(([metric, line]) => `${metric} >= ${line}`).join(', '),
    ]);
  if (report.sampleErrors.length > 0)
    facts.push(['sample errors', listed(report.sampleErrors.map((error) => error.sampleId))]);
  if (report.notRun.length > 0) facts.push(['not run', listed(report.notRun)]);
  const usage = summary.usage;
  if (usage.reported.cost_usd > 0) facts.push(['cost USD', usage.cost_usd.toFixed(6)]);
  if ((usage.cached_calls ?? 0) > 0)
    facts.push([
      'answered from the cache',
      `${usage.cached_calls} call(s), no request made (rerun with --no-cache to call afresh)`,
    ]);
  return facts;
}

/** The page model of a run (one dataset, an eval set, or an adversarial sweep). */
export function runPageModel(input: RunPageInput): HtmlModel {
  const metrics: string[] = [];
  const indexOf = metricIndex(metrics);
  const samples: SampleRow[] = [];
  const gates: HtmlGate[] = [];
  const comparisons = new Map(
    (input.comparison?.datasets ?? []).map((dataset) => [dataset.dataset, dataset]),
  );
  const rowsShown = pageRows(input.outcomes, input.maxRows ?? MAX_PAGE_ROWS);
  const datasets = input.outcomes.map((outcome, d): HtmlDataset => {
    const { report, summary } = outcome;
    for (const name of summary.metricNames) indexOf(name);
    const errors = new Map<string, Map<string, string>>();
    for (const failure of report.failures) {
      const bySample = errors.get(failure.sampleId) ?? new Map<string, string>();
      bySample.set(failure.metricName, failure.error);
      errors.set(failure.sampleId, bySample);
    }
    let i = -1;
    for (const result of report.sampleResults) {
      i++;
      if (rowsShown.shown !== undefined && rowsShown.shown[d]?.[i] !== 1) continue;
      const scores: (number | null)[] = new Array<number | null>(metrics.length).fill(null);
      const details: (unknown | null)[] = new Array<unknown>(metrics.length).fill(null);
      const failed: (string | null)[] = new Array<string | null>(metrics.length).fill(null);
      for (const [name, score] of result.metricScores) {
        const at = indexOf(name);
        scores[at] = score.score;
        details[at] = compactDetails(score.details, {
          output: result.actualOutput,
          expected: result.sample.expectedOutput,
        });
      }
      for (const [name, error] of errors.get(result.sample.id) ?? []) failed[indexOf(name)] = error;
      samples.push(
        toRow<RunSampleFields>(RUN_COLUMNS, {
          dataset: d,
          id: result.sample.id,
          tags: sampleTags(result.sample),
          input: input.withholdInputs === true ? WITHHELD_INPUT : json(result.sample.input),
          expected: json(result.sample.expectedOutput),
          output: result.actualOutput,
          scores,
          details,
          errors: failed,
          passLines: metrics.map((name) => {
            const line = passLineOf(report, result.sample, name);
            return line === PASS_THRESHOLD ? null : line;
          }),
        }),
      );
    }
    for (const gate of outcome.gates ?? [])
      gates.push({
        label: `${report.datasetName}: ${gate.aggregate === 'macro_f1' ? 'macro_f1' : `${gate.metric}:${gate.aggregate}`} >= ${gate.threshold}`,
        passed: gate.passed,
        detail: `actual ${gate.actual.toFixed(4)}`,
      });
    return {
      name: report.datasetName,
      facts: [
        ['samples', String(report.sampleResults.length)],
        ['failures captured', String(report.failures.length)],
        ['duration seconds', (report.finishedAt - report.startedAt).toFixed(2)],
        ['started', new Date(report.startedAt * 1000).toISOString()],
        ...runFacts(report, summary),
      ],
      aggregates: summary.metrics,
      macroF1: summary.macroF1,
      histograms: Object.fromEntries(
        Object.entries(summary.distributions).map(([name, buckets]) => [
          name,
          { head: buckets.map((bucket) => bucket.count) },
        ]),
      ),
      cohorts: summary.cohorts.map((cohort) => ({
        label: cohort.label,
        samples: cohort.sample_count,
        means: Object.fromEntries(
          Object.entries(cohort.metrics).map(([name, aggregate]) => [name, aggregate.mean]),
        ),
      })),
      comparison: comparisons.get(report.datasetName) ?? null,
      verdicts: verdictsOf(comparisons.get(report.datasetName)),
    };
  });
  gates.push(...comparisonGates(input.comparisonGates), ...(input.extraGates ?? []));
  padRows(
    samples,
    columnPositions<RunSampleFields>(RUN_COLUMNS, ['scores', 'details', 'errors', 'passLines']),
    metrics.length,
  );
  return {
    kind: 'run',
    title: input.title,
    generator: input.generator,
    metrics,
    datasets,
    gates,
    samples,
    ...(rowsShown.note === undefined ? {} : { rowsNote: rowsShown.note }),
  };
}

export interface ComparePageInput {
  readonly title: string;
  readonly generator: string;
  readonly comparison: Comparison;
  /** The compared reports, by dataset name. */
  readonly base: ReadonlyMap<string, SavedDatasetReport>;
  readonly head: ReadonlyMap<string, SavedDatasetReport>;
  readonly gates?: readonly ComparisonGateResult[];
  /** The most sample rows the page holds. @defaultValue MAX_PAGE_ROWS */
  readonly maxRows?: number;
}

function scoreHistograms(report: SavedDatasetReport | undefined, metric: string): number[] {
  const scores: number[] = [];
  for (const sample of report?.samples ?? []) {
    const value = sample.scores[metric]?.score;
    if (typeof value === 'number') scores.push(value);
  }
  return histogram(scores).map((bucket) => bucket.count);
}

/** The page model of `compare`: both runs' samples paired by id, with the comparison. */
export function comparePageModel(input: ComparePageInput): HtmlModel {
  const metrics: string[] = [];
  const indexOf = metricIndex(metrics);
  const samples: SampleRow[] = [];
  // Above the row limit the page keeps the samples that changed (regressed, improved, or in one
  // run only), in report order, up to the limit: the unchanged ones are what a reader skips.
  const maxRows = input.maxRows ?? MAX_PAGE_ROWS;
  let total = 0;
  for (const comparison of input.comparison.datasets)
    total +=
      (input.head.get(comparison.dataset)?.samples.length ?? 0) +
      comparison.samples.only_in_base.length;
  const capped = total > maxRows;
  let changed = 0;
  const datasets = input.comparison.datasets.map((comparison, d): HtmlDataset => {
    const base = input.base.get(comparison.base_dataset ?? comparison.dataset);
    const head = input.head.get(comparison.dataset);
    for (const name of Object.keys(comparison.metrics)) indexOf(name);
    const regressed = new Set(comparison.samples.regressed.map((s) => s.id));
    const improved = new Set(comparison.samples.improved.map((s) => s.id));
    const baseById = new Map((base?.samples ?? []).map((sample) => [sample.id, sample]));
    const headIds = new Set<string>();
    const row = (
      id: string,
      tags: string[],
      before: SavedDatasetReport['samples'][number] | undefined,
      after: SavedDatasetReport['samples'][number] | undefined,
    ): SampleRow => {
      const scoresOf = (sample: typeof before) =>
        metrics.map((name) => sample?.scores[name]?.score ?? null);
      const detailsOf = (sample: typeof before) =>
        metrics.map((name) =>
          compactDetails(sample?.scores[name]?.details ?? null, {
            output: sample?.actual_output ?? null,
            expected: undefined,
          }),
        );
      const status: SampleStatus =
        before === undefined
          ? 'head-only'
          : after === undefined
            ? 'base-only'
            : regressed.has(id)
              ? 'regressed'
              : improved.has(id)
                ? 'improved'
                : 'unchanged';
      return toRow<CompareSampleFields>(COMPARE_COLUMNS, {
        dataset: d,
        id,
        tags,
        baseOutput: before?.actual_output ?? null,
        output: after?.actual_output ?? null,
        baseScores: scoresOf(before),
        scores: scoresOf(after),
        status,
        baseDetails: detailsOf(before),
        details: detailsOf(after),
        passLines: metrics.map((name) => {
          const line =
            after === undefined || head === undefined
              ? PASS_THRESHOLD
              : (after.pass_lines?.[name] ?? head.pass_lines?.[name] ?? PASS_THRESHOLD);
          return line === PASS_THRESHOLD ? null : line;
        }),
      });
    };
    const add = (
      id: string,
      tags: string[],
      before: SavedDatasetReport['samples'][number] | undefined,
      after: SavedDatasetReport['samples'][number] | undefined,
    ): void => {
      if (capped) {
        const unchanged =
          before !== undefined && after !== undefined && !regressed.has(id) && !improved.has(id);
        if (unchanged) return;
        changed++;
        if (changed > maxRows) return;
      }
      samples.push(row(id, tags, before, after));
    };
    for (const sample of head?.samples ?? []) {
      headIds.add(sample.id);
      add(sample.id, sample.tags, baseById.get(sample.id), sample);
    }
    for (const sample of base?.samples ?? [])
      if (!headIds.has(sample.id)) add(sample.id, sample.tags, sample, undefined);
    return {
      name: comparison.dataset,
      facts: [
        ['paired samples', String(comparison.samples.paired)],
        ['regressed samples', String(crossedSampleCount(comparison.samples.regressed))],
        ['improved samples', String(crossedSampleCount(comparison.samples.improved))],
        ['failures added', String(comparison.failures.added.length)],
        ['failures resolved', String(comparison.failures.resolved.length)],
      ],
      aggregates: null,
      macroF1: comparison.macro_f1.head ?? 0,
      histograms: Object.fromEntries(
        Object.keys(comparison.metrics).map((name) => [
          name,
          { head: scoreHistograms(head, name), base: scoreHistograms(base, name) },
        ]),
      ),
      cohorts: [],
      comparison,
      verdicts: verdictsOf(comparison),
    };
  });
  padRows(
    samples,
    columnPositions<CompareSampleFields>(COMPARE_COLUMNS, [
      'baseScores',
      'scores',
      'baseDetails',
      'details',
      'passLines',
    ]),
    metrics.length,
  );
  return {
    kind: 'compare',
    title: input.title,
    generator: input.generator,
    metrics,
    datasets,
    gates: comparisonGates(input.gates),
    samples,
    ...(capped
      ? {
          rowsNote: `This page shows ${changed > maxRows ? `the first ${count(maxRows)} of the ${count(changed)} samples that changed` : `the ${count(changed)} samples that changed`} (regressed, improved or in one run only), out of ${count(total)}: a page holds at most ${count(maxRows)} rows. The comparison's numbers cover every sample; the JSON comparison lists each change.`,
        }
      : {}),
  };
}
