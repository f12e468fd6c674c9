import { AGGREGATE_NAMES, PASS_THRESHOLD } from './aggregates.js';
import { samplesBelowPassLine, type ShortSample } from './below-pass-line.js';
import type { GatedReport } from './gated-report.js';
import { runOutcomeLine } from './eval-report.js';
import { markdownCell } from './markdown-renderer.js';

/** Samples named in a CI step summary per dataset, and annotations per run. */
export const STEP_SUMMARY_ROWS = 10;

/**
 * The Markdown a CI job summary shows for a run (GitHub's `GITHUB_STEP_SUMMARY`): failed gates
 * first, then the comparison when there is a baseline, else each dataset's outcome and
 * aggregates, then the samples below the pass line. Short on purpose: the full report is an
 * artifact.
 */
export function renderStepSummary(input: {
  readonly title: string;
  readonly outcomes: readonly GatedReport[];
  /** Failed gates, one line each (score, comparison and regression gates). */
  readonly failedGates: readonly string[];
  /** The `--baseline` comparison as Markdown, when there is one. */
  readonly comparison?: string;
}): string {
  const lines = [`## ${markdownCell(input.title)}`, ''];
  if (input.failedGates.length > 0)
    lines.push(
      '### Failed gates',
      '',
      ...input.failedGates.map((gate) => `- ${markdownCell(gate)}`),
      '',
    );
  if (input.comparison !== undefined) lines.push(input.comparison.trimEnd(), '');
  for (const { report, summary } of input.outcomes) {
    lines.push(`### ${markdownCell(report.datasetName)}`, '', `**${runOutcomeLine(report)}**`, '');
    if (input.comparison === undefined && summary.metricNames.length > 0) {
      lines.push(
        `| metric | pass line | ${AGGREGATE_NAMES.join(' | ')} |`,
        `| --- | --- |${' --- |'.repeat(AGGREGATE_NAMES.length)}`,
        ...summary.metricNames.map((name) => {
          const aggregate = summary.metrics[name];
          return `| ${markdownCell(name)} | >= ${report.passLines[name] ?? PASS_THRESHOLD} | ${AGGREGATE_NAMES.map((key) => (aggregate?.[key] ?? 0).toFixed(4)).join(' | ')} |`;
        }),
        '',
      );
    }
    const short = samplesBelowPassLine(report, STEP_SUMMARY_ROWS);
    if (short.total > 0)
      lines.push(
        `Samples below the pass line: ${short.total}, worst first:`,
        '',
        ...short.worst.map(shortLine),
        ...(short.total > STEP_SUMMARY_ROWS
          ? [`- … and ${short.total - STEP_SUMMARY_ROWS} more`]
          : []),
        '',
      );
  }
  return `${lines.join('\n').trimEnd()}\n\n`;
}

function shortLine(sample: ShortSample): string {
  return `- \`${markdownCell(sample.id)}\`: ${markdownCell(sample.why.join('; '))}`;
}
