export {
  ADVERSARIAL_CATEGORIES,
  COMPLIANCE_FRAMEWORKS,
  adversarialCategory,
  type AdversarialCategory,
  type ComplianceFramework,
} from './categories.js';
export { adversarialSamples, seedSample } from './seed-samples.js';
export {
  DEFAULT_ADVERSARIAL_DATASET,
  DEFAULT_ADVERSARIAL_METRICS,
  buildAdversarialDataset,
} from './dataset-factory.js';
export {
  ADVERSARIAL_RUNS_SCHEMA_V1,
  AdversarialRunManifest,
  defaultRunId,
  runEntryFromReport,
  validateEntry,
  type AdversarialRunEntry,
} from './run-manifest.js';
export {
  checkMaxDrop,
  evaluateRegressionGate,
  findBaseline,
  parseGateTargets,
  type GateCheck,
  type GateCheckStatus,
  type GateResult,
  type GateTarget,
} from './regression-gate.js';
export {
  loadRunManifest,
  recordAdversarialRun,
  recordWithRegressionGate,
  type RecordOptions,
} from './manifest-store.js';
export { failuresScoredZero } from './failures-scored-zero.js';
export {
  renderAdversarialReport,
  regressionGateHtml,
  regressionGateJson,
  regressionGateLine,
  regressionGateMarkdown,
} from './regression-gate-renderer.js';
