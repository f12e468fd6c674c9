export {
  buildConfigRunner,
  createConfigRunnerResolver,
  createMetricRegistry,
  loadConfigReporter,
  prepareDataset,
  registerConfigMetrics,
  resolveRunner,
  sutCallPolicy,
  sutFingerprint,
  type DatasetSelection,
} from './config-runtime.js';
export {
  runDataset,
  type DatasetRunHooks,
  type DatasetRunSettings,
  type PreparedDataset,
} from './run/run-dataset.js';
export {
  checkSweepManifest,
  recordSweep,
  registerAdversarialDataset,
  sweepSummary,
  type AdversarialDatasetRequest,
  type SweepRecord,
  type SweepRecording,
} from './adversarial-sweep.js';
export { configEvalSet } from './config-runtime.js';
export {
  createManifestWriter,
  readEvalSetManifest,
  runEvalSetWithManifest,
  type EvalSetOutcome,
  type EvalSetRunInput,
  type ManifestWriter,
} from '../eval-sets/index.js';
export { startWorker, type RunningWorker, type WorkerSettings } from './start-worker.js';
export { planRun, repeatOf, type RunPlan } from './run/run-plan.js';
export type { BaselineRequest, RunRequest, RunTarget } from './run/run-request.js';
export { openRun, type OpenedRun } from './run/open-run.js';
export {
  executeRun,
  type BaselineComparison,
  type DatasetObserver,
  type RunObserver,
  type RunResult,
  type SweepOutcome,
} from './run/execute-run.js';
export {
  renderRunReport,
  writeReportFiles,
  type ReportFiles,
  type ReportFormat,
  type WrittenFile,
} from './run/run-report.js';
export {
  checkBaseline,
  compareReportFiles,
  compareWithBaseline,
  readSavedReport,
  type Baseline,
  type ComparedRuns,
  type CompareRequest,
} from './compare-runs.js';
export { keptSamples, readResumeReport, type ResumeSource } from './resume-run.js';
export { writeStarter, type StarterWritten } from './init-project.js';
export { buildDryRunPlan, dryRunPlanOf, type PlannedDataset } from './run/dry-run-plan.js';
export { mergeReportFiles, type MergeInput } from './merge-reports.js';
