import { expectedText, passLineOf, type EvalReport } from './eval-report.js';

/** A sample that fell short: why, and the two answers. */
export interface ShortSample {
  readonly id: string;
  /** What fell short: `rouge-l 0.42 < 0.7`, `judge: error (…)`, `no answer: …`. */
  readonly why: readonly string[];
  readonly expected: string;
  readonly actual: string;
}

/**
 * The samples below their pass line, worst first: samples the SUT could not answer, then scored
 * samples by how far their worst metric fell below its line (a metric that could not score counts
 * as the furthest). Pure; the Markdown report, the CI step summary and annotations list them.
 */
export function samplesBelowPassLine(report: EvalReport): ShortSample[] {
  const failuresBySample = new Map<string, string[]>();
  for (const failure of report.failures) {
    const list = failuresBySample.get(failure.sampleId) ?? [];
    list.push(`${failure.metricName}: error (${failure.error})`);
    failuresBySample.set(failure.sampleId, list);
  }
  const scored: (ShortSample & { readonly margin: number })[] = [];
  for (const result of report.sampleResults) {
    let margin = Number.POSITIVE_INFINITY;
    const why: string[] = [];
    for (const [metric, score] of result.metricScores) {
      const line = passLineOf(report, result.sample, metric);
      if (score.score >= line) continue;
      margin = Math.min(margin, score.score - line);
      why.push(`${metric} ${score.score.toFixed(2)} < ${line}`);
    }
    const failed = failuresBySample.get(result.sample.id) ?? [];
    if (why.length === 0 && failed.length === 0) continue;
    scored.push({
      id: result.sample.id,
      margin: failed.length > 0 ? Math.min(margin, -1) : margin,
      why: [...why, ...failed],
      expected: expectedText(result.sample),
      actual: result.actualOutput,
    });
  }
  scored.sort((a, b) => a.margin - b.margin);
  return [
    ...report.sampleErrors.map((error) => ({
      id: error.sampleId,
      why: [`no answer: ${error.error}`],
      expected: '',
      actual: '',
    })),
    ...scored.map(({ margin: _margin, ...sample }) => sample),
  ];
}
