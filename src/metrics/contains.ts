import type { DatasetSample } from '../datasets/index.js';
import { MetricError } from '../errors.js';
import { expectedString } from './_expected.js';
import { createMetricScore, type Metric, type MetricScore } from './metric.js';

/** 1.0 when the output contains the expected string (case-sensitive). */
export class ContainsMetric implements Metric {
  readonly name = 'contains';

  score(sample: DatasetSample, actualOutput: string): MetricScore {
    const expected = expectedString(sample, this.name);
    // An empty needle would match every output.
    if (expected === '') {
      throw new MetricError(
        `Sample '${sample.id}' expected_output must not be empty for contains metric.`,
      );
    }
    const match = actualOutput.includes(expected);
    return createMetricScore(match ? 1 : 0, { expected_substring: expected, match });
  }
}
