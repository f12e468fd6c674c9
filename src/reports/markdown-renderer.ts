import type { ReportSelection } from '../datasets/index.js';
import { durationSeconds, runOutcomeLine, type EvalReport } from './eval-report.js';
import { samplesBelowPassLine } from './below-pass-line.js';
import { PASS_THRESHOLD, type MetricAggregate } from './aggregates.js';
import type { ReportSummary } from './report-summary.js';
import type { ScoreGateResult } from './score-gate.js';
import type { UsageSummary } from './usage-summary.js';

export interface MarkdownExtras {
  readonly gates?: readonly ScoreGateResult[];
  /** Rows of "Samples below the pass line" (`--max-rows`). @defaultValue 20 */
  readonly maxRows?: number;
  /** A `--baseline` comparison as Markdown (renderComparisonMarkdown), before the gates. */
  readonly comparison?: string;
}

/** Render the Markdown report (layout in docs/REPORTS.md); ends with a newline. */
export function renderMarkdownReport(
  report: EvalReport,
  summary: ReportSummary,
  extras: MarkdownExtras = {},
): string {
  const duration = durationSeconds(report).toFixed(2);
  const total = report.sampleResults.length;
  const failures = report.failures.length;
  const lines: string[] = [
    `# Eval report — ${heading(report.datasetName)}`,
    '',
    `_Run completed in ${duration}s over ${total} samples (${failures} failures captured)._`,
    '',
    // How the run ended, always: a stopped run's aggregates cover fewer samples than the dataset.
    `**${heading(runOutcomeLine(report))}**${report.stopReason === null ? '' : ` ${heading(report.stopReason)}`}`,
    '',
    ...(report.selection === undefined ? [] : [heading(selectionLine(report.selection)), '']),
    '## Summary',
    '',
    '| total samples | total failures | duration seconds |',
    '| --- | --- | --- |',
    `| ${total} | ${failures} | ${duration} |`,
    '',
    '## Per-metric aggregates',
    '',
    '| metric | pass line | mean | p50 | p95 | pass-rate |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const name of summary.metricNames) {
    lines.push(
      `| ${markdownCell(name)} | ${passLineCell(report, summary, name)} | ${aggregateCells(summary.metrics[name])} |`,
    );
  }
  lines.push(
    '',
    `## Macro-F1 (avg pass-rate across all metrics): ${summary.macroF1.toFixed(4)}`,
    '',
  );

  const usage = summary.usage;
  const cached = usage.cached_calls ?? 0;
  if (usage.observations > 0 || cached > 0) {
    const tokens = (field: 'prompt_tokens' | 'completion_tokens' | 'total_tokens'): string =>
      usage.reported[field] === 0 ? 'n/a' : String(usage[field]);
    const latency = (value: number): string =>
      usage.latency_ms.count === 0 ? 'n/a' : value.toFixed(2);
    lines.push(
      '## Usage summary',
      '',
      '| observations | prompt tokens | completion tokens | total tokens | cost USD | mean latency ms | max latency ms |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      `| ${usage.observations} | ${tokens('prompt_tokens')} | ${tokens('completion_tokens')} | ${tokens('total_tokens')} | ${usage.reported.cost_usd === 0 ? 'n/a' : usage.cost_usd.toFixed(6)} | ${latency(usage.latency_ms.mean)} | ${latency(usage.latency_ms.max)} |`,
      ...modelUsageLines(usage),
      '',
    );
    if (cached > 0)
      lines.push(
        `${cached} call(s) were answered from the response cache (no request made, no cost): rerun with --no-cache to call everything afresh.`,
        '',
      );
  }

  if (summary.cohorts.length > 0) {
    lines.push(
      '## Cohorts by metadata.tags',
      '',
      '| cohort | samples | metric | mean | p50 | p95 | pass-rate |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const cohort of summary.cohorts) {
      for (const name of summary.metricNames) {
        lines.push(
          `| ${markdownCell(cohort.label)} | ${cohort.sample_count} | ${markdownCell(name)} | ${aggregateCells(cohort.metrics[name])} |`,
        );
      }
    }
    lines.push('');
  }

  const adversarial = summary.adversarial;
  if (adversarial.total_samples > 0) {
    lines.push(
      '## Adversarial coverage',
      '',
      '| category | label | severity | samples | frameworks | metric | mean | p50 | p95 | pass-rate |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const category of adversarial.categories) {
      const frameworks =
        category.compliance_frameworks.length > 0
          ? category.compliance_frameworks.join(', ')
          : 'n/a';
      for (const name of summary.metricNames) {
        lines.push(
          `| ${markdownCell(category.category)} | ${markdownCell(category.label)} | ${markdownCell(category.severity ?? 'n/a')} | ${category.sample_count} | ${markdownCell(frameworks)} | ${markdownCell(name)} | ${aggregateCells(category.metrics[name])} |`,
        );
      }
    }
    lines.push(
      '',
      '### Compliance frameworks',
      '',
      '| framework | samples | categories |',
      '| --- | --- | --- |',
    );
    for (const framework of adversarial.compliance_frameworks) {
      const categories = framework.categories.length > 0 ? framework.categories.join(', ') : 'n/a';
      lines.push(
        `| ${markdownCell(framework.framework)} | ${framework.sample_count} | ${markdownCell(categories)} |`,
      );
    }
    lines.push('');
  }

  if (summary.metricNames.length > 0) {
    lines.push('## Score histograms', '');
    for (const name of summary.metricNames) {
      lines.push(`### ${heading(name)}`, '', '| score range | count |', '| --- | --- |');
      for (const bucket of summary.distributions[name] ?? []) {
        const inclusive = bucket.max >= 1 ? ' inclusive' : '';
        lines.push(
          `| ${bucket.min.toFixed(1)}-${bucket.max.toFixed(1)}${inclusive} | ${bucket.count} |`,
        );
      }
      lines.push('');
    }
  }

  // With --repeat: how often samples passed across repeats, and which ones were flaky.
  const repeated = summary.metricNames.filter(
    (name) => summary.metrics[name]?.pass_all !== undefined,
  );
  if (repeated.length > 0) {
    lines.push(
      '## Repeats',
      '',
      '| metric | pass-all (every repeat) | pass-any (some repeat) | flaky samples |',
      '| --- | --- | --- | --- |',
    );
    for (const name of repeated) {
      const a = summary.metrics[name] as MetricAggregate;
      lines.push(
        `| ${markdownCell(name)} | ${(a.pass_all ?? 0).toFixed(4)} | ${(a.pass_any ?? 0).toFixed(4)} | ${a.flaky_samples ?? 0} |`,
      );
    }
    lines.push('');
    for (const name of repeated) {
      const flaky = summary.flakySamples[name] ?? [];
      if (flaky.length === 0) continue;
      lines.push(
        `- flaky on <code>${code(name)}</code>: ${flaky.map((id) => `<code>${code(id)}</code>`).join(', ')}`,
      );
    }
    if (repeated.some((name) => (summary.flakySamples[name] ?? []).length > 0)) lines.push('');
  }

  // With judge votes: the scores the judge was least sure of, for a reader to look at first.
  if (summary.judgeDisagreement.length > 0) {
    lines.push(
      '## Judge disagreement',
      '',
      "The judged scores whose votes differ most (the score is the votes' mean).",
      '',
      '| sample | metric | spread | votes |',
      '| --- | --- | --- | --- |',
    );
    for (const entry of summary.judgeDisagreement)
      lines.push(
        `| <code>${code(entry.sample_id)}</code> | ${markdownCell(entry.metric)} | ${entry.spread.toFixed(2)} | ${entry.votes.map((vote) => vote.toFixed(2)).join(', ')} |`,
      );
    lines.push('');
  }

  if (report.budget !== undefined) {
    const budget = report.budget;
    lines.push(
      '## Budget',
      '',
      `Spent $${budget.spent_usd.toFixed(6)} of a $${budget.limit_usd} budget (known costs; unpriced models not included).${budget.halted ? ` **Halted**: ${heading(budget.reason ?? '')}; this report covers those samples only.` : ''}`,
      '',
    );
  }

  lines.push(...belowPassLineSection(report, extras.maxRows ?? DEFAULT_MAX_ROWS));

  if (report.sampleErrors.length > 0) {
    lines.push(
      '## Sample errors',
      '',
      'The system under test gave no answer for these samples; they have no scores.',
      '',
      '| sample | attempts | error |',
      '| --- | --- | --- |',
    );
    for (const error of report.sampleErrors.slice(0, MAX_LISTED)) {
      lines.push(
        `| <code>${code(error.sampleId)}</code>${error.repeat === undefined ? '' : ` (repeat ${error.repeat})`} | ${error.attempts} | ${markdownCell(error.error)} |`,
      );
    }
    if (report.sampleErrors.length > MAX_LISTED)
      lines.push(
        '',
        `… and ${report.sampleErrors.length - MAX_LISTED} more (see the JSON report).`,
      );
    lines.push('');
  }
  if (report.notRun.length > 0) {
    const listed = report.notRun.slice(0, MAX_LISTED).map((id) => `<code>${code(id)}</code>`);
    const more = report.notRun.length - listed.length;
    lines.push(
      '## Not run',
      '',
      `${report.notRun.length} sample(s) did not run: ${listed.join(', ')}${more > 0 ? ` … and ${more} more` : ''}.`,
      '',
    );
  }

  if (report.failures.length > 0) {
    lines.push('## Failures', '');
    for (const failure of report.failures) {
      lines.push(
        `- **sample <code>${code(failure.sampleId)}</code>${failure.repeat === undefined ? '' : ` (repeat ${failure.repeat})`} / metric <code>${code(failure.metricName)}</code>** - ${heading(failure.error)}`,
      );
    }
    lines.push('');
  }

  if (extras.comparison !== undefined) lines.push(extras.comparison.trimEnd(), '');

  // An addition of ours (not in the PHP report): shown only when --fail-under is used.
  if (extras.gates !== undefined && extras.gates.length > 0) {
    lines.push(
      '## Score gates',
      '',
      '| metric | aggregate | threshold | actual | result |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const gate of extras.gates) {
      lines.push(
        `| ${markdownCell(gate.metric)} | ${gate.aggregate} | ${gate.threshold.toFixed(4)} | ${gate.actual.toFixed(4)} | ${gate.passed ? 'pass' : 'FAIL'} |`,
      );
    }
    lines.push('');
  }

  return lines.join('\n') + '\n';
}

/** A metric's pass line as `>= 0.7`; `(per sample)` is added when samples set their own. */
function passLineCell(report: EvalReport, summary: ReportSummary, metric: string): string {
  const line = report.passLines[metric] ?? PASS_THRESHOLD;
  const own = summary.metricsWithOwnLines.has(metric);
  return `>= ${line}${own ? ' (some samples set their own)' : ''}`;
}

/** Rows of "Samples below the pass line" unless `--max-rows` says otherwise. */
export const DEFAULT_MAX_ROWS = 20;
/** Expected and actual answers are cut to this many characters on their one line. */
const ANSWER_CHARS = 80;

/**
 * The samples that fell short, worst first (`samplesBelowPassLine`), so a reader of a CI page
 * sees why a metric's pass rate is what it is: each with what fell short, and the expected and
 * actual answers on one line each.
 */
function belowPassLineSection(report: EvalReport, maxRows: number): string[] {
  const { worst: shown, total } = samplesBelowPassLine(report, Math.max(0, maxRows));
  if (total === 0) return [];
  const out = [
    `## Samples below the pass line (${total})`,
    '',
    '| sample | below the line | expected | actual |',
    '| --- | --- | --- | --- |',
    ...shown.map(
      (row) =>
        `| <code>${code(row.id)}</code> | ${markdownCell(row.why.join('; '))} | ${markdownCell(cut(row.expected))} | ${markdownCell(cut(row.actual))} |`,
    ),
  ];
  if (total > shown.length)
    out.push('', `… and ${total - shown.length} more (--max-rows to show more).`);
  out.push('');
  return out;
}

function cut(text: string): string {
  const line = singleLine(text);
  return line.length > ANSWER_CHARS ? `${line.slice(0, ANSWER_CHARS - 1)}…` : line;
}

/** Rows listed in the sample-error and not-run sections; the JSON report has them all. */
const MAX_LISTED = 20;

/** Cost by model, from the config's price book; unpriced models said so, never shown as free. */
function modelUsageLines(usage: UsageSummary): string[] {
  const models = Object.entries(usage.by_model ?? {});
  if (models.length === 0) return [];
  const lines = [
    '',
    '| model | calls | input tokens | output tokens | cost USD |',
    '| --- | --- | --- | --- | --- |',
    ...models.map(
      ([model, entry]) =>
        `| ${markdownCell(model)} | ${entry.calls} | ${entry.input_tokens} | ${entry.output_tokens} | ${entry.cost_usd === null ? 'unpriced' : entry.cost_usd.toFixed(6)} |`,
    ),
  ];
  const unpriced = usage.unpriced_models ?? [];
  if (unpriced.length > 0)
    lines.push(
      '',
      `No price in the config's \`costs\` for ${unpriced.map((model) => `<code>${code(model)}</code>`).join(', ')}: those calls are not in the cost total.`,
    );
  return lines;
}

function aggregateCells(aggregate: MetricAggregate | undefined): string {
  const a = aggregate ?? { mean: 0, p50: 0, p95: 0, pass_rate: 0 };
  return `${a.mean.toFixed(4)} | ${a.p50.toFixed(4)} | ${a.p95.toFixed(4)} | ${a.pass_rate.toFixed(4)}`;
}

/** Collapse ASCII whitespace runs to one space and trim; replace lone surrogates. */
function singleLine(text: string): string {
  return text
    .toWellFormed()
    .replace(/[ \t\n\v\f\r]+/g, ' ')
    .replace(/^ | $/g, '');
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#039;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] as string);
}

/** Table cell: single line, HTML-escaped, then `\`, `|`, backtick escaped. */
export function markdownCell(text: string): string {
  return escapeHtml(singleLine(text))
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/`/g, '\\`');
}

/** Headings and failure text: like a cell, but pipes are left alone. */
function heading(text: string): string {
  return escapeHtml(singleLine(text)).replace(/\\/g, '\\\\').replace(/`/g, '\\`');
}

/** Inside <code>: single line and HTML-escaped only. */
function code(text: string): string {
  return escapeHtml(singleLine(text));
}

/** One line naming the selection a run took, so a shard or a rerun is never read as the whole. */
export function selectionLine(selection: ReportSelection): string {
  const parts = [
    ...(selection.filter_failing === null ? [] : [`not passing in ${selection.filter_failing}`]),
    ...(selection.tags.length === 0 ? [] : [`tags ${selection.tags.join(', ')}`]),
    ...(selection.filter_id === null ? [] : [`ids matching /${selection.filter_id}/`]),
    ...(selection.shard === null ? [] : [`shard ${selection.shard}`]),
    ...(selection.sample === null
      ? []
      : [`${selection.sample} at random (seed ${selection.seed})`]),
    ...(selection.limit === null ? [] : [`the first ${selection.limit}`]),
  ];
  return `Selection: ${parts.join('; ')}: ${selection.selected_samples} of ${selection.dataset_samples} samples.`;
}
