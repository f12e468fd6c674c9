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
} from './options/batch-options.js';
export {
  PROFILE_FIELDS,
  validateBatchProfile,
  type BatchProfile,
  type BatchProfileOverride,
  type ProfileField,
} from './options/profile.js';
export {
  PROFILES_VALUE_ERROR,
  createProfileResolver,
  type ProfileResolver,
} from './options/profile-resolver.js';
export {
  BATCH_FLAGS,
  NULLABLE_FLAG_FIELDS,
  providedBatchFlags,
  resolveBatchOptions,
  type BatchFlagName,
  type BatchFlags,
  type ResolvedBatch,
} from './options/resolve.js';
export {
  BUILTIN_PROFILES,
  DEFAULT_RATE_WINDOW_SECONDS,
  DEFAULT_RESULT_TTL_SECONDS,
  DEFAULT_WAIT_TIMEOUT_SECONDS,
} from './options/defaults.js';
export { RateLimitWindow } from './dispatch/rate-limit-window.js';
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
} from './dispatch/progress.js';
export { createBatchId } from './queue/batch-id.js';
export type { SampleJob, SampleOutcome, SampleTransport } from './dispatch/sample-transport.js';
export {
  INTERRUPT_GRACE_MS,
  runProducerLoop,
  type DispatchActivity,
  type ProducerLoopEnd,
  type ProducerLoopInput,
  type SampleCallError,
} from './dispatch/producer-loop.js';
export {
  createInProcessTransport,
  type InProcessTransportOptions,
} from './dispatch/in-process-transport.js';
export {
  DEFAULT_SUT_TIMEOUT_SECONDS,
  callSampleRunner,
  effectiveCallPolicy,
  settleAbandonedCalls,
  sutFailureMessage,
  type RunnerCallResult,
  type SutCallPolicy,
} from './dispatch/call-runner.js';
export {
  DISPATCH_FALLBACK_SECONDS,
  dispatchTtlSeconds,
  runTtlSeconds,
  type RunTtlInput,
} from './queue/result-ttl.js';
export {
  CONFIG_SUT_RUNNER,
  SampleJobPayloadSchema,
  type ProducerIdentity,
  type SampleJobPayload,
} from './queue/job-payload.js';
export {
  DEFAULT_QUEUE_NAME,
  DEFAULT_REDIS_PREFIX,
  batchKeys,
  sampleJobId,
  type BatchKeys,
} from './queue/redis-keys.js';
export {
  checkClusterPrefix,
  describeRedisTarget,
  redactRedisUrl,
  resolveRedisTarget,
  type RedisNodeAddress,
  type RedisTarget,
  type ResolvedRedisTarget,
} from './queue/redis-target.js';
export {
  createRedisResultStore,
  type BatchStatus,
  type RecordedNotice,
  type ResultStore,
  type StoredFailure,
  type StoredSuccess,
  type WindowRead,
} from './queue/result-store.js';
export {
  createSampleProcessor,
  InvalidSampleJobError,
  type ProcessableJob,
  type SampleProcessorDeps,
} from './queue/sample-processor.js';
export { createQueueTransport, type QueueTransportOptions } from './queue/queue-transport.js';
export {
  createRedisClient,
  probeRedis,
  type RedisClient,
  type RedisClientOptions,
} from './queue/redis-connection.js';
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
} from './queue/lazy-parallel.js';
