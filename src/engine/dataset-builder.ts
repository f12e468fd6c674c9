import { dirname } from 'node:path';
import {
  DATASET_SCHEMA_V1,
  loadDatasetFile,
  parseDatasetYaml,
  type DatasetDocument,
  type DatasetSample,
} from '../datasets/index.js';
import { DatasetSchemaError } from '../errors.js';
import type { MetricRegistry, MetricSpec } from '../metrics/index.js';
import { debugType } from '../values.js';
import { createGoldenDataset, isDatasetSample, type GoldenDataset } from './golden-dataset.js';

type SampleSource =
  | { kind: 'yaml'; name: string; schemaVersion: string; samples: readonly DatasetSample[] }
  | { kind: 'programmatic'; samples: readonly DatasetSample[] };

/**
 * Fluent, single-use dataset builder. A failed load clears the pending
 * source first, so `register()` can never silently use an earlier one.
 */
export class DatasetBuilder {
  private source: SampleSource | undefined;
  private metricSpecs: readonly MetricSpec[] | undefined;
  private passLines: Readonly<Record<string, number>> = {};
  private sourcePath: string | undefined;
  private hadYaml = false;
  private hadSamples = false;

  constructor(
    private readonly name: string,
    private readonly metrics: MetricRegistry,
    private readonly onRegister: (dataset: GoldenDataset) => void,
  ) {}

  async loadFromYaml(path: string): Promise<this> {
    this.beforeYaml('loadFromYaml()');
    return this.useDocument(await loadDatasetFile(path));
  }

  loadFromYamlString(yaml: string): this {
    this.beforeYaml('loadFromYamlString()');
    return this.useDocument(parseDatasetYaml(yaml));
  }

  /** Use an already loaded dataset file (the CLI reads it first to see its `metrics:` list). */
  useDocument(document: DatasetDocument): this {
    this.beforeYaml('useDocument()');
    this.source = {
      kind: 'yaml',
      name: document.name,
      schemaVersion: document.schemaVersion,
      samples: document.samples,
    };
    return this;
  }

  withSamples(samples: readonly unknown[] | Record<string, unknown>): this {
    if (this.hadYaml) {
      throw new DatasetSchemaError(
        `Dataset '${this.name}' already has YAML samples. Do not combine loadFromYaml() or loadFromYamlString() with withSamples(); start a new builder before calling withSamples().`,
      );
    }
    this.hadSamples = true;
    this.source = undefined;
    // Sparse or keyed input is re-indexed to a dense list, order preserved.
    const list = Array.isArray(samples) ? samples.filter(() => true) : Object.values(samples);
    if (list.length === 0)
      throw new DatasetSchemaError('withSamples() requires at least one DatasetSample.');
    const seen = new Set<string>();
    list.forEach((sample, index) => {
      if (!isDatasetSample(sample)) {
        throw new DatasetSchemaError(
          `withSamples() entry at index ${index} must be a DatasetSample instance; got ${debugType(sample)}.`,
        );
      }
      if (sample.id === '')
        throw new DatasetSchemaError(
          `withSamples() entry at index ${index} must have a non-empty sample id.`,
        );
      if (seen.has(sample.id))
        throw new DatasetSchemaError(`Duplicate sample id '${sample.id}' in withSamples() input.`);
      seen.add(sample.id);
    });
    this.source = { kind: 'programmatic', samples: list as DatasetSample[] };
    return this;
  }

  withMetrics(specs: readonly MetricSpec[]): this {
    if (specs.length === 0)
      throw new DatasetSchemaError('withMetrics() requires at least one metric.');
    this.metricSpecs = [...specs];
    return this;
  }

  /**
   * Pass lines by metric name (0–1): a score at or above its line passes. Metrics left out keep
   * 0.5; a sample's `metadata.thresholds` wins for that sample.
   */
  withPassLines(lines: Readonly<Record<string, number>>): this {
    this.passLines = { ...lines };
    return this;
  }

  /** The file the samples were read from. */
  fromFile(path: string): this {
    this.sourcePath = path;
    return this;
  }

  register(): GoldenDataset {
    if (this.source === undefined) {
      throw new DatasetSchemaError(
        `Dataset '${this.name}' has no samples. Call loadFromYaml() / loadFromYamlString() / withSamples() before register().`,
      );
    }
    if (this.metricSpecs === undefined) {
      throw new DatasetSchemaError(
        `Dataset '${this.name}' has no metrics. Call withMetrics([...]) before register().`,
      );
    }
    if (this.source.kind === 'yaml' && this.source.name !== this.name) {
      throw new DatasetSchemaError(
        `Dataset name mismatch: builder was created with name '${this.name}' but the loaded YAML declares 'name: ${this.source.name}'. Use the same name in both places.`,
      );
    }
    const dataset = createGoldenDataset({
      name: this.name,
      samples: this.source.samples,
      metrics: this.metricSpecs.map((spec) => this.metrics.resolve(spec)),
      schemaVersion: this.source.kind === 'yaml' ? this.source.schemaVersion : DATASET_SCHEMA_V1,
      passLines: this.passLines,
      // Paths in a check's options are relative to the dataset file that holds the check.
      resolveMetric: (name, options) =>
        this.metrics.resolve({
          name,
          ...(options === undefined ? {} : { options }),
          ...(this.sourcePath === undefined ? {} : { baseDir: dirname(this.sourcePath) }),
        }),
      ...(this.sourcePath === undefined ? {} : { sourcePath: this.sourcePath }),
    });
    this.onRegister(dataset);
    return dataset;
  }

  private beforeYaml(method: string): void {
    if (this.hadSamples) {
      throw new DatasetSchemaError(
        `Dataset '${this.name}' already has programmatic samples. Do not combine withSamples() with loadFromYaml() or loadFromYamlString(); start a new builder before calling ${method}.`,
      );
    }
    this.hadYaml = true;
    this.source = undefined;
  }
}
