import { durationSeconds, passLineOf, type EvalReport } from './eval-report.js';

/**
 * JUnit XML: one testsuite per dataset, one testcase per sample. A sample with a metric that
 * could not score gets one <error>; else one with scores below the 0.5 pass line gets one
 * <failure>; either names every problem. A sample the SUT could not answer is an <error>, and a
 * sample a stopped run never ran is <skipped>, so CI shows every sample of the dataset.
 * `failures`, `errors` and `skipped` count test cases, as CI systems expect.
 */
export function renderJunitReport(report: EvalReport): string {
  return renderJunitReports([report]);
}

/** One <testsuite> per report, inside one <testsuites> whose counts are the sums. */
export function renderJunitReports(reports: readonly EvalReport[]): string {
  const suites = reports.map(junitSuite);
  const tests = suites.reduce((sum, suite) => sum + suite.tests, 0);
  const failures = suites.reduce((sum, suite) => sum + suite.failures, 0);
  const errors = suites.reduce((sum, suite) => sum + suite.errors, 0);
  const skipped = suites.reduce((sum, suite) => sum + suite.skipped, 0);
  const time = suites.reduce((sum, suite) => sum + suite.time, 0);
  const name = reports.length === 1 ? (reports[0] as EvalReport).datasetName : 'eval-harness';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(name)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time.toFixed(6)}">`,
    ...suites.map((suite) => suite.xml),
    '</testsuites>',
    '',
  ].join('\n');
}

function junitSuite(report: EvalReport): {
  xml: string;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
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
  let erroredCases = 0;
  const perCase =
    report.sampleResults.length === 0 ? 0 : durationSeconds(report) / report.sampleResults.length;
  for (const result of report.sampleResults) {
    const lows = [...result.metricScores]
      .map(([metric, score]) => ({
        metric,
        score: score.score,
        line: passLineOf(report, result.sample, metric),
      }))
      .filter((entry) => entry.score < entry.line);
    const low = lows.map((entry) => `${entry.metric} scored ${entry.score.toFixed(4)}`);
    const errors = (failuresBySample.get(result.sample.id) ?? []).map(
      (failure) => `${failure.metric}: ${failure.error}`,
    );
    // One pass line for them all reads as before; different lines are named per metric.
    const lines = new Set(lows.map((entry) => entry.line));
    const below =
      low.length === 0
        ? []
        : lines.size === 1
          ? [`${low.join(', ')} (pass line ${[...lines][0]})`]
          : [
              lows
                .map((e) => `${e.metric} scored ${e.score.toFixed(4)} (pass line ${e.line})`)
                .join(', '),
            ];
    // CI parsers allow one <failure> or <error> per test case and show only the first: one
    // element says everything, an <error> when a metric could not score at all.
    const element =
      errors.length > 0
        ? junitElement('error', 'metric-error', [...errors, ...below], [...errors, ...low])
        : low.length > 0
          ? junitElement('failure', 'below-threshold', below, low)
          : undefined;
    if (errors.length > 0) erroredCases++;
    else if (low.length > 0) failedCases++;
    const open = `    <testcase classname="${xml(report.datasetName)}" name="${xml(result.sample.id)}" time="${perCase.toFixed(6)}"`;
    cases.push(element === undefined ? `${open}/>` : `${open}>\n${element}\n    </testcase>`);
  }
  const caseOpen = (id: string) =>
    `    <testcase classname="${xml(report.datasetName)}" name="${xml(id)}" time="0.000000"`;
  for (const error of report.sampleErrors) {
    erroredCases++;
    cases.push(
      `${caseOpen(error.sampleId)}>\n${junitElement('error', 'sut-error', [error.error], [`${error.error} (${error.attempts} attempt(s))`])}\n    </testcase>`,
    );
  }
  const skippedMessage = `not run: the run ended (${report.status}) before this sample`;
  for (const id of report.notRun)
    cases.push(
      `${caseOpen(id)}>\n      <skipped message="${xml(skippedMessage)}"/>\n    </testcase>`,
    );
  const tests = report.sampleResults.length + report.sampleErrors.length + report.notRun.length;
  const suite = `name="${xml(report.datasetName)}" tests="${tests}" failures="${failedCases}" errors="${erroredCases}" skipped="${report.notRun.length}" time="${durationSeconds(report).toFixed(6)}"`;
  return {
    xml: [
      `  <testsuite ${suite} timestamp="${new Date(report.startedAt * 1000).toISOString()}">`,
      ...cases,
      '  </testsuite>',
    ].join('\n'),
    tests,
    failures: failedCases,
    errors: erroredCases,
    skipped: report.notRun.length,
    time: durationSeconds(report),
  };
}

/** One <failure> or <error>: a message naming every problem, and one line per problem. */
function junitElement(
  tag: 'failure' | 'error',
  type: string,
  message: readonly string[],
  lines: readonly string[],
): string {
  return `      <${tag} type="${type}" message="${xml(message.join('; '))}">${lines.map(xml).join('\n')}</${tag}>`;
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
