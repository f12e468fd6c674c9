import {
  DATASET_SCHEMA_V1,
  SUPPORTED_DATASET_SCHEMAS,
  type DatasetSample,
} from '../datasets/index.js';
import { DatasetSchemaError } from '../errors.js';
import type { Metric } from '../metrics/index.js';
import { debugType, isPlainObject } from '../values.js';

/** A named, immutable set of samples with the metrics that score them. */
export interface GoldenDataset {
  readonly name: string;
  readonly schemaVersion: string;
  readonly samples: readonly DatasetSample[];
  readonly metrics: readonly Metric[];
}

export function createGoldenDataset(dataset: {
  name: string;
  samples: unknown;
  metrics: readonly Metric[];
  schemaVersion?: string;
}): GoldenDataset {
  const schemaVersion = dataset.schemaVersion ?? DATASET_SCHEMA_V1;
  if (!SUPPORTED_DATASET_SCHEMAS.includes(schemaVersion)) {
    throw new DatasetSchemaError(
      `Dataset '${dataset.name}' uses unsupported schema version '${schemaVersion}'. Supported versions: ${SUPPORTED_DATASET_SCHEMAS.join(', ')}.`,
    );
  }
  if (!Array.isArray(dataset.samples)) {
    throw new DatasetSchemaError(`Dataset '${dataset.name}' samples must be a zero-based list.`);
  }
  dataset.samples.forEach((sample: unknown, index) => {
    if (!isDatasetSample(sample)) {
      throw new DatasetSchemaError(
        `Dataset '${dataset.name}' sample at index ${index} must be an instance of DatasetSample; got ${debugType(sample)}.`,
      );
    }
  });
  // Two metrics with one name would overwrite each other's scores, so they are refused.
  const names = new Set<string>();
  for (const metric of dataset.metrics) {
    if (names.has(metric.name)) {
      throw new DatasetSchemaError(
        `Dataset '${dataset.name}' lists metric '${metric.name}' twice; each metric name may appear once.`,
      );
    }
    names.add(metric.name);
  }
  return Object.freeze({
    name: dataset.name,
    schemaVersion,
    samples: Object.freeze([...(dataset.samples as DatasetSample[])]),
    metrics: Object.freeze([...dataset.metrics]),
  });
}

export function isDatasetSample(value: unknown): value is DatasetSample {
  return (
    isPlainObject(value) &&
    typeof value['id'] === 'string' &&
    isPlainObject(value['input']) &&
    'expectedOutput' in value &&
    isPlainObject(value['metadata'])
  );
}
