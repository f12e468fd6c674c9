import type { RenderedComparison } from '../reports/comparison-renderer.js';
import { buildReportJson } from '../reports/json-renderer.js';
import { markdownCell, renderMarkdownReport } from '../reports/markdown-renderer.js';
import { EVAL_SET_RUN_SCHEMA_V1, type GatedReport } from '../reports/gated-report.js';
import type { EvalSetRunResult } from './run-eval-set.js';

/** The JSON report of an eval set run: its manifest, then each dataset's report with its gates. */
export function renderEvalSetJson(
  result: EvalSetRunResult,
  outcomes: readonly GatedReport[],
  comparison?: RenderedComparison,
): string {
  return JSON.stringify(
    {
      schema_version: EVAL_SET_RUN_SCHEMA_V1,
      eval_set: result.definition.name,
      manifest: result.manifest.toJson(),
      reports: outcomes.map((outcome) =>
        buildReportJson(
          outcome.report,
          outcome.summary,
          outcome.gates === undefined ? {} : { gates: outcome.gates },
        ),
      ),
      ...(comparison === undefined ? {} : { comparison: comparison.json }),
    },
    null,
    4,
  );
}

/** The Markdown report of an eval set run: a table of its datasets, then each dataset's report. */
export function renderEvalSetMarkdown(
  result: EvalSetRunResult,
  outcomes: readonly GatedReport[],
  comparison?: RenderedComparison,
  maxRows?: number,
): string {
  const byName = new Map(outcomes.map((outcome) => [outcome.report.datasetName, outcome]));
  const lines = [
    `# Eval set report — ${markdownCell(result.definition.name)}`,
    '',
    '| dataset | status | samples | failures | macro-F1 | duration seconds |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const entry of result.manifest.entries) {
    const outcome = byName.get(entry.dataset);
    const cell = (value: number | null, digits = 0): string =>
      value === null ? '-' : value.toFixed(digits);
    lines.push(
      `| ${markdownCell(entry.dataset)} | ${entry.status}${outcome === undefined && entry.status === 'completed' ? ' (earlier run)' : ''} | ${cell(entry.total_samples)} | ${cell(entry.total_failures)} | ${outcome === undefined ? '-' : outcome.summary.macroF1.toFixed(4)} | ${cell(entry.duration_seconds, 2)} |`,
    );
  }
  lines.push('');
  if (comparison !== undefined) lines.push(comparison.markdown.trimEnd(), '');
  const reports = outcomes.map((outcome) =>
    renderMarkdownReport(outcome.report, outcome.summary, {
      ...(outcome.gates === undefined ? {} : { gates: outcome.gates }),
      ...(maxRows === undefined ? {} : { maxRows }),
    }),
  );
  return `${lines.join('\n')}\n${reports.join('\n')}`;
}
