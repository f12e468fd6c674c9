export {
  BATCH_MODES,
  DISPATCH_STRATEGIES,
  NULLABLE_NUMERIC_FIELDS,
  createBatchOptions,
  effectiveChunkSize,
  effectiveDispatch,
  isDispatchStrategy,
  serialBatchOptions,
  type BatchMode,
  type DispatchStrategy,
  type BatchOptions,
  type BatchOptionsInput,
  type NullableNumericField,
} from './batch-options.js';
export {
  PROFILE_FIELDS,
  validateBatchProfile,
  type BatchProfile,
  type BatchProfileOverride,
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
export {
  INTERRUPT_GRACE_MS,
  runProducerLoop,
  type DispatchActivity,
  type ProducerLoopEnd,
  type ProducerLoopInput,
  type SampleCallError,
} from './producer-loop.js';
export {
  createInProcessTransport,
  type InProcessTransportOptions,
} from './in-process-transport.js';
export {
  DEFAULT_SUT_TIMEOUT_SECONDS,
  callSampleRunner,
  effectiveCallPolicy,
  settleAbandonedCalls,
  sutFailureMessage,
  type RunnerCallResult,
  type SutCallPolicy,
} from './call-runner.js';
export {
  DISPATCH_FALLBACK_SECONDS,
  dispatchTtlSeconds,
  runTtlSeconds,
  type RunTtlInput,
} from './batch-ttl.js';
export {
  CONFIG_SUT_RUNNER,
  SampleJobPayloadSchema,
  type ProducerIdentity,
  type SampleJobPayload,
} from './job-payload.js';
export {
  DEFAULT_QUEUE_NAME,
  DEFAULT_REDIS_PREFIX,
  batchKeys,
  sampleJobId,
  type BatchKeys,
} from './redis-keys.js';
export {
  checkClusterPrefix,
  describeRedisTarget,
  redactRedisUrl,
  resolveRedisTarget,
  type RedisNodeAddress,
  type RedisTarget,
  type ResolvedRedisTarget,
} from './redis-target.js';
export {
  createRedisResultStore,
  type BatchStatus,
  type RecordedNotice,
  type ResultStore,
  type StoredFailure,
  type StoredSuccess,
  type WindowRead,
} from './result-store.js';
export {
  createSampleProcessor,
  InvalidSampleJobError,
  type ProcessableJob,
  type SampleProcessorDeps,
} from './sample-processor.js';
export { createQueueTransport, type QueueTransportOptions } from './queue-transport.js';
export {
  createRedisClient,
  probeRedis,
  type RedisClient,
  type RedisClientOptions,
} from './redis-connection.js';
export {
  checkQueueName,
  collectLazyParallelOutputs,
  createLazyParallelTransport,
  producerIdentity,
  dispatchLazyParallel,
  openLazyParallelSession,
  startWorkerPool,
  type LazyParallelBatchInput,
  type LazyParallelSession,
  type LazyParallelSessionOptions,
  type WorkerPool,
  type WorkerPoolOptions,
} from './lazy-parallel.js';
