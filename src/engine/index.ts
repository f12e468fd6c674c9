export {
  EvalEngine,
  type EvalEngineOptions,
  type RunOptions,
  type RuntimeOptions,
  type SampleProgress,
} from './eval-engine.js';
export { DatasetBuilder } from './dataset-builder.js';
export { SpendMeter, type Budget } from './spend-meter.js';
export { createGoldenDataset, isDatasetSample, type GoldenDataset } from './golden-dataset.js';
export { scoreSample, type ScoringOptions } from './score-sample.js';
export {
  EVAL_SET_SCHEMA_V1,
  createEvalSet,
  evalSetFromJson,
  evalSetToJson,
  type EvalSetDefinition,
} from './eval-set.js';
export {
  EVAL_SET_MANIFEST_SCHEMA_V1,
  EvalSetManifest,
  type EvalSetEntryStatus,
  type EvalSetManifestEntry,
} from './eval-set-manifest.js';
export { runEvalSet, type EvalSetRunResult, type RunEvalSetOptions } from './run-eval-set.js';
export type { ScoredSample } from './scoring-pool.js';
