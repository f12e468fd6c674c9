export {
  BATCH_MODES,
  NULLABLE_NUMERIC_FIELDS,
  createBatchOptions,
  effectiveChunkSize,
  serialBatchOptions,
  type BatchMode,
  type BatchOptions,
  type BatchOptionsInput,
  type NullableNumericField,
} from './batch-options.js';
export {
  PROFILE_FIELDS,
  validateBatchProfile,
  type BatchProfile,
  type ProfileField,
} from './batch-profile.js';
export { createProfileResolver, type ProfileResolver } from './profile-resolver.js';
export {
  BATCH_FLAGS,
  NULLABLE_FLAG_FIELDS,
  providedBatchFlags,
  resolveBatchOptions,
  type BatchFlagName,
  type BatchFlags,
  type ResolvedBatch,
} from './resolve-batch-options.js';
export {
  BUILTIN_PROFILES,
  DEFAULT_RATE_WINDOW_SECONDS,
  DEFAULT_RESULT_TTL_SECONDS,
  DEFAULT_WAIT_TIMEOUT_SECONDS,
} from './defaults.js';
export { RateLimitWindow } from './rate-limit-window.js';
export {
  CheckpointTracker,
  PROGRESS_STATUS,
  callSafely,
  combineReporters,
  isTerminalReporter,
  nullProgressReporter,
  type BatchProgressReporter,
  type BatchTerminalProgressReporter,
  type TerminalStatus,
} from './progress.js';
export { createBatchId } from './batch-id.js';
export type { SampleJob, SampleOutcome, SampleTransport } from './sample-transport.js';
export { runProducerLoop, type ProducerLoopInput } from './producer-loop.js';
export {
  createInProcessTransport,
  type InProcessTransportOptions,
} from './in-process-transport.js';
