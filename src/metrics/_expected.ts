import type { DatasetSample } from '../datasets/index.js';
import { MetricError } from '../errors.js';
import { debugType } from '../values.js';

/** The sample's expected output as a string, or the spec's MetricError naming the metric. */
export function expectedString(sample: DatasetSample, metric: string, what = 'a string'): string {
  const expected = sample.expectedOutput;
  if (typeof expected !== 'string') {
    throw new MetricError(
      `Sample '${sample.id}' expected_output must be ${what} for ${metric} metric; got ${debugType(expected)}.`,
    );
  }
  return expected;
}
