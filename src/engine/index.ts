export {
  EvalEngine,
  type EvalEngineOptions,
  type RunOptions,
  type RuntimeOptions,
  type SampleProgress,
} from './eval-engine.js';
export { DatasetBuilder } from './dataset-builder.js';
export { createGoldenDataset, isDatasetSample, type GoldenDataset } from './golden-dataset.js';
export { scoreSample, type ScoringOptions } from './score-sample.js';
