/**
 * The eval-harness library API. Everything public is listed here by name; the export list is
 * guarded by test/exports.test.ts.
 */
export { systemClock, type Clock } from './clock.js';
export {
  ConfigError,
  DatasetSchemaError,
  EvalHarnessError,
  EvalRunError,
  InfraError,
  MetricError,
  ReportSchemaError,
  SutError,
  UsageError,
  type ExitCode,
} from './errors.js';
export type { Json } from './values.js';
export {
  BATCH_FLAGS,
  BUILTIN_PROFILES,
  PROGRESS_STATUS,
  RateLimitWindow,
  createBatchOptions,
  createInProcessTransport,
  nullProgressReporter,
  runProducerLoop,
  createProfileResolver,
  effectiveChunkSize,
  resolveBatchOptions,
  serialBatchOptions,
  type BatchFlags,
  type BatchMode,
  type BatchOptions,
  type BatchProfile,
  type BatchProgressReporter,
  type BatchTerminalProgressReporter,
  type ProfileResolver,
  type SampleOutcome,
  type SampleTransport,
  type TerminalStatus,
  type ResolvedBatch,
} from './batches/index.js';
export {
  defineConfig,
  loadConfig,
  normalizeBoolean,
  normalizeNonNegativeInt,
  normalizeTimeout,
  type EvalHarnessConfig,
  type LoadedConfig,
} from './config/index.js';
export {
  DATASET_SCHEMA_V1,
  createSample,
  loadDatasetFile,
  parseDatasetYaml,
  type DatasetDocument,
  type DatasetSample,
} from './datasets/index.js';
export {
  CitationGroundednessMetric,
  ContainsMetric,
  ExactMatchMetric,
  MetricRegistry,
  RegexMetric,
  RougeLMetric,
  createMetricScore,
  type Metric,
  type MetricScore,
  type MetricSpec,
} from './metrics/index.js';
export {
  SavedOutputs,
  createSampleInvocation,
  loadSavedOutputsFile,
  parseSavedOutputs,
  type SampleInvocation,
  type SampleRunner,
  type SampleRunnerContext,
} from './sut/index.js';
export {
  DatasetBuilder,
  EvalEngine,
  createGoldenDataset,
  type EvalEngineOptions,
  type GoldenDataset,
  type RunOptions,
  type RuntimeOptions,
  type SampleProgress,
} from './engine/index.js';
export {
  REPORT_SCHEMA_V1,
  buildReportJson,
  createEvalReport,
  evaluateScoreGates,
  parseScoreGate,
  renderJsonReport,
  renderJunitReport,
  renderMarkdownReport,
  summarizeReport,
  type EvalReport,
  type ReportSummary,
  type SampleFailure,
  type SampleResult,
  type ScoreGate,
  type ScoreGateResult,
} from './reports/index.js';
