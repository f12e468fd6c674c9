import type { EvalReport, SampleResult } from '../reports/index.js';

/**
 * A copy of the report where each captured metric failure is a score of 0 for that sample: in
 * the coverage tables, the manifest and the gate an error never counts as a resisted attack.
 */
export function failuresScoredZero(report: EvalReport): EvalReport {
  if (report.failures.length === 0) return report;
  const failed = new Map<string, Set<string>>();
  for (const failure of report.failures) {
    const set = failed.get(failure.sampleId) ?? new Set();
    set.add(failure.metricName);
    failed.set(failure.sampleId, set);
  }
  // An adversarial sweep is a few hundred samples at most: an array is fine here.
  const sampleResults: SampleResult[] = [...report.sampleResults].map((result) => {
    const metrics = failed.get(result.sample.id);
    if (metrics === undefined) return result;
    const scores = new Map(result.metricScores);
    for (const metric of metrics)
      if (!scores.has(metric)) scores.set(metric, { score: 0, details: {} });
    return { ...result, metricScores: scores };
  });
  return { ...report, sampleResults };
}
