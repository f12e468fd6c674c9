import { expectedText, passLineOf, type EvalReport } from './eval-report.js';

/** A sample that fell short: why, and the two answers. */
export interface ShortSample {
  readonly id: string;
  /** What fell short: `rouge-l 0.42 < 0.7`, `judge: error (…)`, `no answer: …`. */
  readonly why: readonly string[];
  readonly expected: string;
  readonly actual: string;
}

/** The worst samples below their pass line, and how many there are in all. */
export interface BelowPassLine {
  /** Worst first, at most the limit asked for. */
  readonly worst: readonly ShortSample[];
  /** Every sample below its line (including those the SUT could not answer). */
  readonly total: number;
}

/**
 * The samples below their pass line, worst first: samples the SUT could not answer, then scored
 * samples by how far their worst metric fell below its line (a metric that could not score counts
 * as the furthest), ties in dataset order. Only the `limit` worst are kept as they stream by, so
 * a million-sample report holds a handful of rows. The Markdown report, the CI step summary and
 * annotations list them.
 */
export function samplesBelowPassLine(
  report: EvalReport,
  limit: number = Number.POSITIVE_INFINITY,
): BelowPassLine {
  const failuresBySample = new Map<string, string[]>();
  for (const failure of report.failures) {
    const list = failuresBySample.get(failure.sampleId) ?? [];
    list.push(`${failure.metricName}: error (${failure.error})`);
    failuresBySample.set(failure.sampleId, list);
  }
  const errors = report.sampleErrors.slice(0, Math.max(0, limit)).map((error) => ({
    id: error.sampleId,
    why: [`no answer: ${error.error}`],
    expected: '',
    actual: '',
  }));
  const room = Math.max(0, limit - errors.length);
  // Kept sorted by margin; an equal margin goes after the ones already kept (dataset order).
  const kept: (ShortSample & { readonly margin: number })[] = [];
  let scoredBelow = 0;
  for (const result of report.sampleResults) {
    let margin = Number.POSITIVE_INFINITY;
    for (const [metric, score] of result.metricScores) {
      const line = passLineOf(report, result.sample, metric);
      if (score.score < line) margin = Math.min(margin, score.score - line);
    }
    const failed = failuresBySample.get(result.sample.id) ?? [];
    if (margin === Number.POSITIVE_INFINITY && failed.length === 0) continue;
    scoredBelow++;
    if (failed.length > 0) margin = Math.min(margin, -1);
    if (kept.length >= room && (room === 0 || margin >= (kept.at(-1)?.margin ?? 0))) continue;
    const why: string[] = [];
    for (const [metric, score] of result.metricScores) {
      const line = passLineOf(report, result.sample, metric);
      if (score.score < line) why.push(`${metric} ${score.score.toFixed(2)} < ${line}`);
    }
    let at = kept.length;
    while (at > 0 && (kept[at - 1]?.margin ?? 0) > margin) at--;
    kept.splice(at, 0, {
      id: result.sample.id,
      margin,
      why: [...why, ...failed],
      expected: expectedText(result.sample),
      actual: result.actualOutput,
    });
    if (kept.length > room) kept.pop();
  }
  return {
    worst: [...errors, ...kept.map(({ margin: _margin, ...sample }) => sample)],
    total: report.sampleErrors.length + scoredBelow,
  };
}
