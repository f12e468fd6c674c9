import {
  DATASET_SCHEMA_V1,
  SUPPORTED_DATASET_SCHEMAS,
  assertionMetricKey,
  assertionName,
  type DatasetSample,
} from '../datasets/index.js';
import { DatasetSchemaError } from '../errors.js';
import type { Metric } from '../metrics/index.js';
import { debugType, isPlainObject } from '../values.js';
import { suggestKey } from '../suggest.js';

/** A named, immutable set of samples with the metrics that score them. */
export interface GoldenDataset {
  readonly name: string;
  readonly schemaVersion: string;
  readonly samples: readonly DatasetSample[];
  readonly metrics: readonly Metric[];
  /** Each metric's pass line (0–1), where it is not the default 0.5; a sample may override it. */
  readonly passLines: Readonly<Record<string, number>>;
  /**
   * The metrics of the samples' own checks (`assert:`), by metric name and options (see
   * assertionMetricKey).
   */
  readonly assertionMetrics: ReadonlyMap<string, Metric>;
  /** The file the samples came from, when they came from one (CI annotations point into it). */
  readonly sourcePath?: string;
}

export function createGoldenDataset(dataset: {
  name: string;
  samples: unknown;
  metrics: readonly Metric[];
  schemaVersion?: string;
  passLines?: Readonly<Record<string, number>>;
  sourcePath?: string;
  /**
   * Resolves the metrics samples name in `assert:` (with a check's options); needed when any
   * sample has checks.
   */
  resolveMetric?: (name: string, options?: Readonly<Record<string, unknown>>) => Metric;
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
  const passLines = dataset.passLines ?? {};
  for (const [metric, line] of Object.entries(passLines))
    checkPassLine(dataset.name, `the pass line of '${metric}'`, metric, line, names);
  for (const sample of dataset.samples as DatasetSample[]) {
    const thresholds = sample.metadata['thresholds'];
    if (thresholds === undefined) continue;
    const where = `sample '${sample.id}' metadata.thresholds`;
    if (!isPlainObject(thresholds))
      throw new DatasetSchemaError(
        `Dataset '${dataset.name}' ${where} must be a map of metric name to a pass line from 0 to 1; got ${debugType(thresholds)}.`,
      );
    // A sample's pass lines may name its own checks too.
    const own = new Set([...names, ...(sample.assert ?? []).map(assertionName)]);
    for (const [metric, line] of Object.entries(thresholds))
      checkPassLine(dataset.name, where, metric, line, own);
  }
  const assertionMetrics = new Map<string, Metric>();
  for (const sample of dataset.samples as DatasetSample[])
    for (const check of sample.assert ?? []) {
      const key = assertionMetricKey(check);
      if (assertionMetrics.has(key)) continue;
      // A check without options of its own scores with the dataset's metric of that name, so it
      // keeps the options the dataset gave it (a schema, ignoreCase) with the sample's target.
      const configured =
        check.options === undefined
          ? dataset.metrics.find((metric) => metric.name === check.metric)
          : undefined;
      if (configured !== undefined) {
        assertionMetrics.set(key, configured);
        continue;
      }
      if (dataset.resolveMetric === undefined)
        throw new DatasetSchemaError(
          `Dataset '${dataset.name}' sample '${sample.id}' has checks (assert:), but no metric resolver was given to resolve '${check.metric}'.`,
        );
      try {
        assertionMetrics.set(key, dataset.resolveMetric(check.metric, check.options));
      } catch (error) {
        throw new DatasetSchemaError(
          `Dataset '${dataset.name}' sample '${sample.id}' assert: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
  return Object.freeze({
    name: dataset.name,
    schemaVersion,
    samples: Object.freeze([...(dataset.samples as DatasetSample[])]),
    metrics: Object.freeze([...dataset.metrics]),
    passLines: Object.freeze({ ...passLines }),
    assertionMetrics,
    ...(dataset.sourcePath === undefined ? {} : { sourcePath: dataset.sourcePath }),
  });
}

/** A pass line names one of the dataset's metrics and lies in [0, 1]. */
function checkPassLine(
  datasetName: string,
  where: string,
  metric: string,
  line: unknown,
  metrics: ReadonlySet<string>,
): void {
  if (!metrics.has(metric)) {
    const suggestion = suggestKey(metric, [...metrics]);
    throw new DatasetSchemaError(
      `Dataset '${datasetName}' ${where} names metric '${metric}', which the dataset does not score${suggestion === undefined ? ` (its metrics: ${[...metrics].join(', ')})` : ` (did you mean '${suggestion}'?)`}.`,
    );
  }
  if (typeof line !== 'number' || !Number.isFinite(line) || line < 0 || line > 1)
    throw new DatasetSchemaError(
      `Dataset '${datasetName}' ${where}: the pass line of '${metric}' must be a number from 0 to 1; got ${debugType(line)}.`,
    );
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
