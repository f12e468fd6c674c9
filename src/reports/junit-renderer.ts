import { durationSeconds, type EvalReport } from './eval-report.js';
import { PASS_THRESHOLD } from './aggregates.js';

/**
 * JUnit XML: one testsuite per dataset, one testcase per sample, one <failure> per captured
 * metric failure and per metric score below the 0.5 pass line. `failures` counts test cases
 * with at least one failure, as CI systems expect.
 */
export function renderJunitReport(report: EvalReport): string {
  return renderJunitReports([report]);
}

/** One <testsuite> per report, inside one <testsuites> whose counts are the sums. */
export function renderJunitReports(reports: readonly EvalReport[]): string {
  const suites = reports.map(junitSuite);
  const tests = suites.reduce((sum, suite) => sum + suite.tests, 0);
  const failures = suites.reduce((sum, suite) => sum + suite.failures, 0);
  const time = suites.reduce((sum, suite) => sum + suite.time, 0);
  const name = reports.length === 1 ? (reports[0] as EvalReport).datasetName : 'eval-harness';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(name)}" tests="${tests}" failures="${failures}" errors="0" skipped="0" time="${time.toFixed(6)}">`,
    ...suites.map((suite) => suite.xml),
    '</testsuites>',
    '',
  ].join('\n');
}

function junitSuite(report: EvalReport): {
  xml: string;
  tests: number;
  failures: number;
  time: number;
} {
  const failuresBySample = new Map<string, { metric: string; error: string }[]>();
  for (const failure of report.failures) {
    const list = failuresBySample.get(failure.sampleId) ?? [];
    list.push({ metric: failure.metricName, error: failure.error });
    failuresBySample.set(failure.sampleId, list);
  }
  const cases: string[] = [];
  let failedCases = 0;
  const perCase =
    report.sampleResults.length === 0 ? 0 : durationSeconds(report) / report.sampleResults.length;
  for (const result of report.sampleResults) {
    const elements: string[] = [];
    for (const [metric, score] of result.metricScores) {
      if (score.score < PASS_THRESHOLD) {
        elements.push(
          `      <failure type="below-threshold" message="${xml(`${metric} scored ${score.score.toFixed(4)} (pass line ${PASS_THRESHOLD})`)}"/>`,
        );
      }
    }
    for (const failure of failuresBySample.get(result.sample.id) ?? []) {
      elements.push(
        `      <failure type="metric-error" message="${xml(`${failure.metric}: ${failure.error}`)}"/>`,
      );
    }
    if (elements.length > 0) failedCases++;
    const open = `    <testcase classname="${xml(report.datasetName)}" name="${xml(result.sample.id)}" time="${perCase.toFixed(6)}"`;
    cases.push(
      elements.length === 0 ? `${open}/>` : `${open}>\n${elements.join('\n')}\n    </testcase>`,
    );
  }
  const suite = `name="${xml(report.datasetName)}" tests="${report.sampleResults.length}" failures="${failedCases}" errors="0" skipped="0" time="${durationSeconds(report).toFixed(6)}"`;
  return {
    xml: [
      `  <testsuite ${suite} timestamp="${new Date(report.startedAt * 1000).toISOString()}">`,
      ...cases,
      '  </testsuite>',
    ].join('\n'),
    tests: report.sampleResults.length,
    failures: failedCases,
    time: durationSeconds(report),
  };
}

/** Escape for an XML attribute; drop characters XML 1.0 cannot carry. */
function xml(text: string): string {
  return (
    text
      .toWellFormed()
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      .replace(/\n/g, '&#10;')
      .replace(/\r/g, '&#13;')
      .replace(/\t/g, '&#9;')
  );
}
