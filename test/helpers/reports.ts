import { createSample, type DatasetSample } from '../../src/datasets/index.js';
import { createMetricScore } from '../../src/metrics/index.js';
import {
  createEvalReport,
  type EvalReport,
  type SampleFailure,
  type SampleResult,
} from '../../src/reports/index.js';

/** A sample result with the given metric scores (and optional details). */
export function result(
  id: string,
  scores: Record<string, number | { score: number; details: Record<string, unknown> }>,
  metadata: Record<string, unknown> = {},
  actualOutput = 'out',
): SampleResult {
  const sample: DatasetSample = createSample({ id, input: {}, expectedOutput: 'x', metadata });
  const metricScores = new Map(
    Object.entries(scores).map(([name, value]) => [
      name,
      typeof value === 'number'
        ? createMetricScore(value)
        : createMetricScore(value.score, value.details),
    ]),
  );
  return { sample, actualOutput, metricScores };
}

export function report(
  sampleResults: SampleResult[],
  failures: SampleFailure[] = [],
  startedAt = 0,
  finishedAt = 1.5,
  datasetName = 'demo',
): EvalReport {
  return createEvalReport({ datasetName, startedAt, finishedAt, sampleResults, failures });
}

export function failure(
  sampleId: string,
  metricName: string,
  error: string,
  details: Record<string, unknown> = {},
): SampleFailure {
  return { sampleId, metricName, error, details };
}
