import { createGoldenDataset, type GoldenDataset } from '../engine/index.js';
import { DatasetSchemaError } from '../errors.js';
import type { MetricRegistry, MetricSpec } from '../metrics/index.js';
import { adversarialSamples } from './seed-samples.js';

export const DEFAULT_ADVERSARIAL_DATASET = 'adversarial.security.v1';
export const DEFAULT_ADVERSARIAL_METRICS: readonly string[] = ['refusal-quality'];

/**
 * The red-team dataset. Metrics are resolved before categories, so an
 * unknown metric is reported first. Not registered: the caller registers it.
 */
export function buildAdversarialDataset(
  metrics: MetricRegistry,
  options: {
    name?: string;
    categories?: readonly unknown[] | null;
    metricSpecs?: readonly MetricSpec[];
  } = {},
): GoldenDataset {
  const specs = options.metricSpecs ?? DEFAULT_ADVERSARIAL_METRICS;
  if (specs.length === 0)
    throw new DatasetSchemaError(
      'AdversarialDatasetFactory::build() requires at least one metric.',
    );
  const resolved = specs.map((spec) => metrics.resolve(spec));
  return createGoldenDataset({
    name: options.name ?? DEFAULT_ADVERSARIAL_DATASET,
    samples: adversarialSamples(options.categories ?? null),
    metrics: resolved,
  });
}
