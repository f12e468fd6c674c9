export {
  EVAL_SET_SCHEMA_V1,
  createEvalSet,
  evalSetFromJson,
  evalSetToJson,
  type EvalSetDefinition,
} from './eval-set.js';
export {
  EVAL_SET_MANIFEST_FORMAT,
  EVAL_SET_MANIFEST_SCHEMA_V1,
  EvalSetManifest,
  type EvalSetEntryStatus,
  type EvalSetManifestEntry,
} from './manifest.js';
export { runEvalSet, type EvalSetRunResult, type RunEvalSetOptions } from './run-eval-set.js';
export { renderEvalSetJson, renderEvalSetMarkdown } from './renderer.js';
export {
  createManifestWriter,
  readEvalSetManifest,
  runEvalSetWithManifest,
  type EvalSetOutcome,
  type EvalSetRunInput,
  type ManifestWriter,
} from './run-with-manifest.js';
