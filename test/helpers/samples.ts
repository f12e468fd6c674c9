import { createSample, type DatasetSample } from '../../src/datasets/index.js';

/** A sample with only what a metric test needs. */
export function sample(
  expectedOutput: unknown,
  metadata: Record<string, unknown> = {},
  id = 's1',
): DatasetSample {
  return createSample({ id, input: {}, expectedOutput, metadata });
}

/** A string holding a lone surrogate: the JS form of invalid UTF-8. */
export const ILL_FORMED = 'ok\uD800';
