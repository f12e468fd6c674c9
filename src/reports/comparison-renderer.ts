import { AGGREGATE_NAMES } from './aggregates.js';
import {
  COMPARISON_SCHEMA_V1,
  crossedSampleCount,
  type Comparison,
  type ComparisonGateResult,
  type DatasetComparison,
  type FailureRef,
  type SampleCrossing,
  type ValueDelta,
} from './comparison.js';
import { pluralize } from '../values.js';
import { markdownCell } from './markdown-renderer.js';
import type { PairedStatistics } from './paired-stats.js';

/** Lists in the Markdown comparison stop here and say how many more there are. */
export const MARKDOWN_LIST_CAP = 20;

/** The names the two sides go by: file paths for `compare`, "baseline" for `--baseline`. */
export interface ComparisonSources {
  readonly base: string;
  readonly head: string;
}

/** The comparison as the JSON object of docs/REPORTS.md (`eval-harness.comparison.v1`). */
export function buildComparisonJson(
  comparison: Comparison,
  sources: ComparisonSources,
  gates?: readonly ComparisonGateResult[],
): Record<string, unknown> {
  return {
    schema_version: COMPARISON_SCHEMA_V1,
    kind: comparison.kind,
    ...(comparison.eval_set === undefined ? {} : { eval_set: comparison.eval_set }),
    base: sources.base,
    head: sources.head,
    pass_threshold: 0.5,
    confidence: comparison.confidence,
    datasets: comparison.datasets,
    ...(comparison.kind === 'eval-set'
      ? {
          datasets_only_in_base: comparison.datasets_only_in_base,
          datasets_only_in_head: comparison.datasets_only_in_head,
        }
      : {}),
    ...(gates === undefined ? {} : { gates: gates.map(({ message: _message, ...rest }) => rest) }),
  };
}

const score = (value: number | null): string => (value === null ? 'n/a' : value.toFixed(4));
const signed = (value: number | null): string =>
  value === null ? 'n/a' : `${value >= 0 ? '+' : ''}${value.toFixed(4)}`;

/** Table rows for the first items, then one row saying how many were left out. */
function capped<T>(items: readonly T[], columns: number, line: (item: T) => string): string[] {
  const lines = items.slice(0, MARKDOWN_LIST_CAP).map(line);
  if (items.length > MARKDOWN_LIST_CAP)
    lines.push(`| … and ${items.length - MARKDOWN_LIST_CAP} more |${' |'.repeat(columns - 1)}`);
  return lines;
}

/** A titled table of at most MARKDOWN_LIST_CAP rows; nothing when there are no items. */
function cappedTable<T>(
  title: string,
  headers: readonly string[],
  items: readonly T[],
  row: (item: T) => string,
): string[] {
  if (items.length === 0) return [];
  return [
    `### ${title}`,
    '',
    `| ${headers.join(' | ')} |`,
    `|${' --- |'.repeat(headers.length)}`,
    ...capped(items, headers.length, row),
    '',
  ];
}

function crossingTable(title: string, crossings: readonly SampleCrossing[]): string[] {
  // Counted in samples, like the gate; a sample that crossed on two metrics has two rows.
  return cappedTable(
    `${title} (${crossedSampleCount(crossings)})`,
    ['sample', 'metric', 'base', 'head'],
    crossings,
    (c) =>
      `| ${markdownCell(c.id)} | ${markdownCell(c.metric)} | ${score(c.base)} | ${score(c.head)} |`,
  );
}

function failureTable(title: string, failures: readonly FailureRef[]): string[] {
  return cappedTable(
    `${title} (${failures.length})`,
    ['sample', 'metric', 'error'],
    failures,
    (f) =>
      `| ${markdownCell(f.sample_id)} | ${markdownCell(f.metric)} | ${markdownCell(f.error)} |`,
  );
}

function idList(title: string, ids: readonly string[]): string[] {
  if (ids.length === 0) return [];
  const shown = ids.slice(0, MARKDOWN_LIST_CAP).map((id) => `\`${markdownCell(id)}\``);
  const more =
    ids.length > MARKDOWN_LIST_CAP ? ` … and ${ids.length - MARKDOWN_LIST_CAP} more` : '';
  return [`- ${title} (${ids.length}): ${shown.join(', ')}${more}`];
}

function deltaRow(label: string, aggregate: string, value: ValueDelta): string {
  return `| ${markdownCell(label)} | ${aggregate} | ${score(value.base)} | ${score(value.head)} | ${signed(value.delta)} |`;
}

/** `>= 0.5`, or each metric's line when they differ: `rouge-l >= 0.7, contains >= 0.5`. */
function passLinesText(lines: Readonly<Record<string, number>>): string {
  const values = new Set(Object.values(lines));
  if (values.size <= 1) return `>= ${[...values][0] ?? 0.5}`;
  return Object.entries(lines)
    .map(([metric, line]) => `${markdownCell(metric)} >= ${line}`)
    .join(', ');
}

/** Percentage points with one decimal and a true minus sign: `−2.1`. */
function pp(ratio: number): string {
  const text = (ratio * 100).toFixed(1);
  return text.startsWith('-') ? `\u2212${text.slice(1)}` : text === '0.0' ? '0.0' : `+${text}`;
}

function pValue(p: number): string {
  return p >= 0.01 ? `= ${p.toFixed(2)}` : p >= 0.001 ? `= ${p.toFixed(3)}` : '< 0.001';
}

/**
 * One metric's answer to "is the change real?", in one line: the mean change with its interval
 * and verdict, the paired t-test's p, the smallest change this comparison could detect, then
 * the pass/fail flips and McNemar's p. Shared by Markdown and the HTML page.
 */
export function statisticsLine(metric: string, stats: PairedStatistics): string {
  const change =
    stats.interval === null
      ? `${pp(stats.mean_difference)} pp, no interval (${stats.note ?? 'not enough data'}), ${stats.verdict}`
      : `${pp(stats.mean_difference)} pp [${pp(stats.interval[0])}, ${pp(stats.interval[1])}] ${stats.verdict}`;
  const p = stats.p_value === null ? '' : `, p ${pValue(stats.p_value)}`;
  const detects =
    stats.min_detectable_effect === null || stats.interval === null
      ? ''
      : `, detects \u2265 ${(stats.min_detectable_effect * 100).toFixed(1)} pp`;
  return `${metric} ${change}${p}${detects} (n = ${stats.n}; pass\u2192fail ${stats.pass_to_fail}, fail\u2192pass ${stats.fail_to_pass}, McNemar p ${pValue(stats.mcnemar_p)})`;
}

function statisticsLines(dataset: DatasetComparison, confidence: number): string[] {
  const metrics = Object.entries(dataset.statistics);
  if (metrics.length === 0) return [];
  return [
    `### Is the change real? (${Math.round(confidence * 1000) / 10} % confidence)`,
    '',
    ...metrics.map(([metric, stats]) => `- ${markdownCell(statisticsLine(metric, stats))}`),
    '',
  ];
}

/** One dataset's comparison: regressions first, then aggregates, improvements, the rest. */
function datasetSections(dataset: DatasetComparison, confidence: number): string[] {
  const { samples, failures } = dataset;
  const lines = [
    `## ${markdownCell(dataset.dataset)}${dataset.base_dataset === undefined ? '' : ` (base: ${markdownCell(dataset.base_dataset)})`}`,
    '',
    `_${pluralize(samples.paired, 'sample')} paired (base ${dataset.base_samples}, head ${dataset.head_samples}); ${crossedSampleCount(samples.regressed)} regressed and ${crossedSampleCount(samples.improved)} improved across their pass line (${passLinesText(dataset.pass_lines)}) on at least one metric._`,
    '',
    ...(dataset.warnings.length === 0
      ? []
      : [
          '### Comparable?',
          '',
          ...dataset.warnings.map((w) => `- **warning**: ${markdownCell(w)}`),
          '',
        ]),
    ...statisticsLines(dataset, confidence),
    ...crossingTable('Regressed samples', samples.regressed),
    ...failureTable('Failures added', failures.added),
    '### Metrics',
    '',
    '| metric | aggregate | base | head | delta |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const [metric, row] of Object.entries(dataset.metrics))
    for (const aggregate of AGGREGATE_NAMES)
      lines.push(deltaRow(metric, aggregate, row[aggregate]));
  lines.push(deltaRow('macro_f1', '-', dataset.macro_f1), '');
  lines.push(...crossingTable('Improved samples', samples.improved));
  if (dataset.cohorts.length > 0) {
    lines.push(
      '### Cohorts (mean)',
      '',
      '| tag | metric | base | head | delta |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const cohort of dataset.cohorts)
      for (const [metric, row] of Object.entries(cohort.metrics))
        lines.push(
          `| ${markdownCell(cohort.tag)} | ${markdownCell(metric)} | ${score(row.mean.base)} | ${score(row.mean.head)} | ${signed(row.mean.delta)} |`,
        );
    lines.push('');
  }
  const oneSided = [
    ...idList('Only in base', samples.only_in_base),
    ...idList('Only in head', samples.only_in_head),
  ];
  if (oneSided.length > 0) lines.push('### Samples in one report only', '', ...oneSided, '');
  lines.push(...failureTable('Failures resolved', failures.resolved));
  return lines;
}

/** Regressed samples as a count, drops in percentage points. */
export function gateActual(gate: ComparisonGateResult): string {
  if (gate.actual === null) return 'n/a';
  return gate.kind === 'max-regressed' ? String(gate.actual) : gate.actual.toFixed(2);
}

/** The gates section shared by `compare` and the `--baseline` section of a run report. */
function gateLines(gates: readonly ComparisonGateResult[] | undefined): string[] {
  if (gates === undefined || gates.length === 0) return [];
  return [
    '## Comparison gates',
    '',
    '| gate | dataset | actual | limit | result | rule |',
    '| --- | --- | --- | --- | --- | --- |',
    ...gates.map(
      (gate) =>
        `| ${markdownCell(gate.gate)} | ${gate.dataset === null ? 'all' : markdownCell(gate.dataset)} | ${gateActual(gate)} | ${gate.limit} | ${gate.passed ? 'pass' : 'FAIL'} | ${markdownCell(gate.rule)} |`,
    ),
    '',
  ];
}

/** The Markdown comparison; ends with a newline. */
export function renderComparisonMarkdown(
  comparison: Comparison,
  sources: ComparisonSources,
  gates?: readonly ComparisonGateResult[],
): string {
  const title =
    comparison.kind === 'eval-set'
      ? `eval set ${comparison.eval_set ?? ''}`
      : (comparison.datasets[0]?.dataset ?? '');
  const lines = [
    `# Comparison — ${markdownCell(title)}`,
    '',
    `Base: \`${markdownCell(sources.base)}\` · head: \`${markdownCell(sources.head)}\``,
    '',
    ...gateLines(gates),
  ];
  if (comparison.kind === 'eval-set') {
    lines.push(
      '| dataset | regressed | improved | macro-F1 base | macro-F1 head | delta |',
      '| --- | --- | --- | --- | --- | --- |',
      ...comparison.datasets.map(
        (d) =>
          `| ${markdownCell(d.dataset)} | ${crossedSampleCount(d.samples.regressed)} | ${crossedSampleCount(d.samples.improved)} | ${score(d.macro_f1.base)} | ${score(d.macro_f1.head)} | ${signed(d.macro_f1.delta)} |`,
      ),
      '',
      ...idList('Datasets only in base', comparison.datasets_only_in_base),
      ...idList('Datasets only in head', comparison.datasets_only_in_head),
    );
    if (comparison.datasets_only_in_base.length + comparison.datasets_only_in_head.length > 0)
      lines.push('');
  }
  for (const dataset of comparison.datasets)
    lines.push(...datasetSections(dataset, comparison.confidence));
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

/** A comparison rendered for inclusion in a run report (`--baseline`). */
export interface RenderedComparison {
  readonly json: Record<string, unknown>;
  /** A section of the run report: every heading one level below the report's own. */
  readonly markdown: string;
}

export function renderComparison(
  comparison: Comparison,
  sources: ComparisonSources,
  gates?: readonly ComparisonGateResult[],
): RenderedComparison {
  return {
    json: buildComparisonJson(comparison, sources, gates),
    markdown: renderComparisonMarkdown(comparison, sources, gates).replace(/^(#+) /gm, '#$1 '),
  };
}
