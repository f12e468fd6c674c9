import { expectedText, passLineOf, type EvalReport } from './eval-report.js';
import type { ReportSummary } from './report-summary.js';

/**
 * CSV for spreadsheets (`--csv`): one row per sample of the dataset, scored, errored or not run,
 * with a column per metric score, whether it passed its line, the error, and the expected and
 * actual answers. RFC 4180 quoting; a leading `=`, `+`, `-` or `@` is prefixed with `'` so a
 * spreadsheet never evaluates an answer as a formula. Sample inputs are never written.
 */
export function renderCsvReport(
  reports: readonly { readonly report: EvalReport; readonly summary: ReportSummary }[],
): string {
  const metrics = [...new Set(reports.flatMap(({ summary }) => summary.metricNames))];
  const rows: string[][] = [
    [
      'dataset',
      'sample',
      'status',
      ...metrics.flatMap((metric) => [metric, `${metric} passed`]),
      'error',
      'expected',
      'actual',
    ],
  ];
  for (const { report } of reports) {
    const failures = new Map<string, string[]>();
    for (const failure of report.failures) {
      const list = failures.get(failure.sampleId) ?? [];
      list.push(`${failure.metricName}: ${failure.error}`);
      failures.set(failure.sampleId, list);
    }
    for (const result of report.sampleResults) {
      const cells = metrics.flatMap((metric) => {
        const score = result.metricScores.get(metric);
        if (score === undefined) return ['', ''];
        const passed = score.score >= passLineOf(report, result.sample, metric);
        return [String(score.score), passed ? 'yes' : 'no'];
      });
      rows.push([
        report.datasetName,
        result.sample.id,
        'scored',
        ...cells,
        (failures.get(result.sample.id) ?? []).join('; '),
        expectedText(result.sample),
        result.actualOutput,
      ]);
    }
    const blank = metrics.flatMap(() => ['', '']);
    for (const error of report.sampleErrors)
      rows.push([report.datasetName, error.sampleId, 'errored', ...blank, error.error, '', '']);
    for (const id of report.notRun)
      rows.push([report.datasetName, id, 'not run', ...blank, '', '', '']);
  }
  return `${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

function csvCell(value: string): string {
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
