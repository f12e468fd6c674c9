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
} from './run-dataset.js';
export {
  checkSweepManifest,
  recordSweep,
  registerAdversarialDataset,
  sweepSummary,
  type AdversarialDatasetRequest,
  type SweepRecord,
  type SweepRecording,
} from './adversarial-sweep.js';
export {
  configEvalSet,
  createManifestWriter,
  readEvalSetManifest,
  runEvalSetWithManifest,
  type EvalSetOutcome,
  type EvalSetRunInput,
  type ManifestWriter,
} from './eval-set-run.js';
export { startWorker, type RunningWorker, type WorkerSettings } from './start-worker.js';
export { planRun, type RunPlan, type RunRequest } from './run-plan.js';
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
