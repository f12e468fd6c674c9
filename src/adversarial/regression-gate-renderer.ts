import type { HtmlGate } from '../reports/html/html-model.js';
import type { GateResult } from './regression-gate.js';
import type { RenderedComparison } from '../reports/comparison-renderer.js';
import type { GatedReport } from '../reports/gated-report.js';
import { buildReportJson } from '../reports/json-renderer.js';
import { markdownCell, renderMarkdownReport } from '../reports/markdown-renderer.js';
import type { ReportSummary } from '../reports/report-summary.js';

/**
 * The report of an adversarial sweep: the dataset report (with the given summary, whose coverage
 * tables score failures as 0), then the regression gate when there is one: a last
 * `regression_gate` key in JSON, a last section in Markdown.
 */
export function renderAdversarialReport(
  outcome: GatedReport,
  summary: ReportSummary,
  gateResult: GateResult | undefined,
  json: boolean,
  comparison?: RenderedComparison,
  maxRows?: number,
): string {
  const gates = outcome.gates === undefined ? {} : { gates: outcome.gates };
  if (json) {
    const body = buildReportJson(outcome.report, summary, {
      ...gates,
      ...(comparison === undefined ? {} : { comparison: comparison.json }),
    });
    return JSON.stringify(
      gateResult === undefined
        ? body
        : { ...body, regression_gate: regressionGateJson(gateResult) },
      null,
      4,
    );
  }
  return (
    renderMarkdownReport(outcome.report, summary, {
      ...gates,
      ...(comparison === undefined ? {} : { comparison: comparison.markdown }),
      ...(maxRows === undefined ? {} : { maxRows }),
    }) + (gateResult === undefined ? '' : regressionGateMarkdown(gateResult))
  );
}

/** Baseline and current in score units, drops in percentage points. */
export function regressionGateJson(result: GateResult): Record<string, unknown> {
  return {
    status: result.status,
    baseline: result.baseline_run_id,
    checks: result.checks.map((check) => ({
      metric: check.metric,
      aggregate: check.aggregate,
      baseline: check.baseline_score,
      current: check.current_score,
      drop: check.drop === null ? null : check.drop * 100,
      max_drop: check.max_drop * 100,
      passed: check.status === 'pass',
    })),
  };
}

/** The Markdown section of the regression gate: its status and one row per check. */
export function regressionGateMarkdown(result: GateResult): string {
  const lines = [
    '## Regression gate',
    '',
    `Status: **${result.status}**${result.baseline_run_id === null ? '' : ` against run \`${result.baseline_run_id.slice(0, 12)}\``}.`,
    '',
  ];
  if (result.checks.length > 0) {
    lines.push(
      '| target | baseline | current | drop (pp) | max drop (pp) | result |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const check of result.checks) {
      const score = (value: number | null) => (value === null ? 'n/a' : value.toFixed(4));
      lines.push(
        `| ${markdownCell(check.target)} | ${score(check.baseline_score)} | ${score(check.current_score)} | ${check.drop === null ? 'n/a' : (check.drop * 100).toFixed(2)} | ${(check.max_drop * 100).toFixed(2)} | ${check.status} |`,
      );
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

/** The regression gate as a row of the HTML page's gates table. */
export function regressionGateHtml(result: GateResult): HtmlGate {
  const failing = result.checks.filter((check) => check.status !== 'pass');
  return {
    label: 'adversarial regression gate',
    passed: result.status !== 'fail',
    detail:
      failing.length === 0 || result.status !== 'fail'
        ? result.status
        : `fail: ${failing.map((check) => check.target).join(', ')}`,
  };
}

/** The one stderr line that says how the regression gate ended. */
export function regressionGateLine(
  result: GateResult,
  maxDrop: number,
  hasFailures: boolean,
): string {
  const pp = (ratio: number) => (ratio * 100).toFixed(2);
  if (result.status === 'missing-baseline') {
    return result.recorded
      ? 'Adversarial regression gate: missing-baseline - no compatible manifest baseline; current run will be recorded for future comparisons.'
      : 'Adversarial regression gate: missing-baseline - no compatible failure-free manifest baseline; current run has metric failures and was not recorded for future comparisons.';
  }
  if (result.status === 'pass') {
    return result.recorded || !hasFailures
      ? `Adversarial regression gate: pass - ${result.checks.length} check(s), max drop ${pp(maxDrop)} percentage points.`
      : 'Adversarial regression gate: pass - score checks passed, but current run has metric failures and was not recorded for future comparisons.';
  }
  const parts = result.checks
    .filter((check) => check.status !== 'pass')
    .map((check) => {
      if (check.status === 'missing-value') {
        const which =
          check.baseline_score === null && check.current_score === null
            ? result.baseline_run_id === null
              ? 'current'
              : 'baseline and current'
            : check.baseline_score === null
              ? 'baseline'
              : 'current';
        return `${check.target} missing from ${which} run`;
      }
      return `${check.target} dropped by ${pp(check.drop ?? 0)} percentage points (baseline ${(check.baseline_score ?? 0).toFixed(4)} -> current ${(check.current_score ?? 0).toFixed(4)}, max ${pp(maxDrop)} percentage points)`;
    });
  return `Adversarial regression gate: fail - ${parts.join('; ')}; current run was not recorded for future comparisons.`;
}
