export {
  DATASET_SCHEMA_V1,
  SUPPORTED_DATASET_SCHEMAS,
  createSample,
  sampleTags,
  sampleThresholds,
  assertionMetricKey,
  assertionName,
  type DatasetSample,
  type SampleAssertion,
} from './dataset-sample.js';
export {
  loadDatasetFile,
  parseDatasetYaml,
  validateDatasetDocument,
  type DatasetDocument,
} from './dataset-yaml.js';
export {
  checkSelection,
  idPatternOf,
  isSelecting,
  reportSelection,
  selectSamples,
  shardOf,
  type ReportSelection,
  type SampleSelection,
} from './sample-selection.js';
export { readLines, type NumberedLine } from './dataset-jsonl.js';
