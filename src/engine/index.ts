export {
  SPOOL_RESULTS_ABOVE,
  EvalEngine,
  type EvalEngineOptions,
  type FinishedSample,
  type RunOptions,
  type RuntimeOptions,
  type SampleProgress,
} from './eval-engine.js';
export { DatasetBuilder } from './dataset-builder.js';
export { SpendMeter, type Budget } from './spend-meter.js';
export { createGoldenDataset, isDatasetSample, type GoldenDataset } from './golden-dataset.js';
export { scoreSample, type ScoringOptions } from './score-sample.js';
export type { ScoredSample } from './scoring-pool.js';
