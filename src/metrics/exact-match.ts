import type { DatasetSample } from '../datasets/index.js';
import { expectedString } from './_expected.js';
import { createMetricScore, type Metric, type MetricScore } from './metric.js';

/** 1.0 when the output equals the expected string exactly (case- and whitespace-sensitive). */
export class ExactMatchMetric implements Metric {
  readonly name = 'exact-match';

  score(sample: DatasetSample, actualOutput: string): MetricScore {
    const expected = expectedString(sample, this.name);
    const match = expected === actualOutput;
    return createMetricScore(match ? 1 : 0, { expected, actual: actualOutput, match });
  }
}
