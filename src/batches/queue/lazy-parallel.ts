import type { Queue, Worker } from 'bullmq';
import { systemClock, type Clock } from '../../clock.js';
import { EvalRunError, InfraError, UsageError, errorMessage } from '../../errors.js';
import { listIds } from '../../values.js';
import type { SampleInvocation, SampleRunner } from '../../sut/index.js';
import { effectiveChunkSize, type BatchOptions } from '../options/batch-options.js';
import { dispatchTtlSeconds, runTtlSeconds } from './result-ttl.js';
import { createBatchId } from './batch-id.js';
import type { ProducerIdentity } from './job-payload.js';
import { EVAL_HARNESS_VERSION } from '../../version.js';
import { DEFAULT_RESULT_TTL_SECONDS, DEFAULT_WAIT_TIMEOUT_SECONDS } from '../options/defaults.js';
import { loadBullmq } from './queue-libraries.js';
import { createQueueTransport } from './queue-transport.js';
import { createRedisClient, probeRedis, type RedisClient } from './redis-connection.js';
import {
  checkClusterPrefix,
  resolveRedisTarget,
  type RedisTarget,
  type ResolvedRedisTarget,
} from './redis-target.js';
import { DEFAULT_QUEUE_NAME } from './redis-keys.js';
import { createBatchStatusCache } from './batch-status-cache.js';
import { createRedisResultStore, type ResultStore } from './result-store.js';
import { createSampleProcessor, InvalidSampleJobError } from './sample-processor.js';
import type { SampleTransport } from '../dispatch/sample-transport.js';
import { effectiveCallPolicy, type SutCallPolicy } from '../dispatch/call-runner.js';

export interface LazyParallelSessionOptions {
  /** One Redis URL, or a cluster's node URLs (`{ cluster: [...] }` or comma-separated). */
  readonly redis: RedisTarget;
  /** Where `redis` came from, named in its errors. @defaultValue 'the Redis target' */
  readonly redisSource?: string;
  /** Key prefix of the result store and the BullMQ queue. */
  readonly prefix: string;
  /** @defaultValue 'eval-harness-samples' */
  readonly queueName?: string | null;
  readonly clock?: Clock;
}

/** Redis clients, the queue and the result store of one process; `close()` releases them all. */
export interface LazyParallelSession {
  readonly queue: Queue;
  readonly queueName: string;
  readonly prefix: string;
  readonly store: ResultStore;
  readonly client: RedisClient;
  readonly redis: ResolvedRedisTarget;
  readonly clock: Clock;
  /** Another client to the same Redis, owned by the caller. */
  connect(options?: { readonly autoPipelining?: boolean }): RedisClient;
  close(): Promise<void>;
}

/**
 * Connect to Redis (failing fast, naming the URL, when it is unreachable or the target and prefix
 * cannot work together) and open the queue.
 */
export async function openLazyParallelSession(
  options: LazyParallelSessionOptions,
): Promise<LazyParallelSession> {
  const queueName = options.queueName ?? DEFAULT_QUEUE_NAME;
  checkQueueName(queueName);
  const source = options.redisSource ?? 'the Redis target';
  const redis = resolveRedisTarget(options.redis, source);
  checkClusterPrefix(redis, options.prefix);
  await probeRedis(redis, source);
  const client = createRedisClient(redis);
  const { Queue } = loadBullmq();
  const queue = new Queue(queueName, { connection: client, prefix: options.prefix });
  queue.on('error', () => undefined);
  const store = createRedisResultStore(client, options.prefix);
  let closing: Promise<void> | undefined;
  return {
    queue,
    queueName,
    prefix: options.prefix,
    store,
    client,
    redis,
    clock: options.clock ?? systemClock,
    connect: (connectOptions) => createRedisClient(redis, connectOptions),
    close() {
      // Each step runs even if an earlier one fails; closing twice is harmless.
      closing ??= (async () => {
        await queue.close().catch(() => undefined);
        client.disconnect();
      })();
      return closing;
    },
  };
}

export function checkQueueName(name: string): void {
  if (name.includes(':'))
    throw new UsageError(
      `Queue name '${name}' must not contain ':' (BullMQ uses it as a key separator).`,
    );
}

export interface LazyParallelBatchInput {
  readonly batchId: string;
  readonly invocations: readonly SampleInvocation[];
  /** The runner name workers build from their own config. */
  readonly runnerName: string;
  readonly options: BatchOptions;
  /** F, config `batches.lazyParallel.resultTtlSeconds`. @defaultValue 3600 */
  readonly resultTtlFloorSeconds?: number;
  /** W when the options leave it unset. @defaultValue 60 */
  readonly defaultWaitTimeoutSeconds?: number;
  readonly onWarning?: (message: string) => void;
  /**
   * A fingerprint of the SUT definition workers must have too (see docs/BATCH_QUEUES.md);
   * null or absent: workers check only the eval-harness version.
   */
  readonly sutFingerprint?: string | null;
  /** Each SUT call's timeout and retries, carried by every job to the worker that runs it. */
  readonly sut?: SutCallPolicy;
}

/** Who this process is, as its jobs say it to workers. */
export function producerIdentity(sutFingerprint: string | null | undefined): ProducerIdentity {
  return { version: EVAL_HARNESS_VERSION, sutFingerprint: sutFingerprint ?? null };
}

/** The transport for EvalEngine.runOnTransport(), with the run TTL of docs/BATCH_QUEUES.md. */
export function createLazyParallelTransport(
  session: LazyParallelSession,
  input: LazyParallelBatchInput,
): SampleTransport {
  const { options } = input;
  const policy = effectiveCallPolicy(options.timeoutSeconds, input.sut);
  const ttlSeconds = runTtlSeconds({
    samples: input.invocations.length,
    chunkSize: effectiveChunkSize(options),
    waitSeconds:
      options.waitTimeoutSeconds ?? input.defaultWaitTimeoutSeconds ?? DEFAULT_WAIT_TIMEOUT_SECONDS,
    timeoutSeconds: options.timeoutSeconds,
    floorSeconds: input.resultTtlFloorSeconds ?? DEFAULT_RESULT_TTL_SECONDS,
    resultTtlSeconds: options.resultTtlSeconds,
  });
  return createQueueTransport({
    queue: session.queue,
    queueName: session.queueName,
    store: session.store,
    clock: session.clock,
    batchId: input.batchId,
    invocations: input.invocations,
    runnerName: input.runnerName,
    ttlSeconds,
    timeoutSeconds: policy.timeoutSeconds,
    retries: policy.retries ?? 0,
    producer: producerIdentity(input.sutFingerprint),
    addOneByOne: options.rateLimit !== null,
    ...(input.onWarning === undefined ? {} : { onWarning: input.onWarning }),
  });
}

/**
 * Fire-and-return: start the batch and queue every sample, with no rate limit,
 * no deadline and no waiting; collect later with collectOutputs(). The TTL is a drain estimate.
 */
export async function dispatchLazyParallel(
  session: LazyParallelSession,
  input: Omit<LazyParallelBatchInput, 'batchId' | 'defaultWaitTimeoutSeconds'>,
): Promise<string> {
  const batchId = createBatchId();
  const ttlSeconds = dispatchTtlSeconds({
    samples: input.invocations.length,
    concurrency: input.options.concurrency,
    timeoutSeconds: input.options.timeoutSeconds,
    floorSeconds: input.resultTtlFloorSeconds ?? DEFAULT_RESULT_TTL_SECONDS,
    resultTtlSeconds: input.options.resultTtlSeconds,
  });
  const transport = createQueueTransport({
    queue: session.queue,
    queueName: session.queueName,
    store: session.store,
    clock: session.clock,
    batchId,
    invocations: input.invocations,
    runnerName: input.runnerName,
    ttlSeconds,
    timeoutSeconds: input.options.timeoutSeconds,
    producer: producerIdentity(input.sutFingerprint),
    addOneByOne: false,
  });
  // Fire-and-return has no rate window: a worker's retry waits only for its backoff.
  await transport.begin?.({ takeRateSlot: () => Promise.resolve() });
  try {
    input.invocations.forEach(
      (invocation, index) => void transport.dispatch({ index, invocation }),
    );
    await transport.flush?.();
  } catch (error) {
    // The dispatch error is the one to report; a failed clean-up must not replace it.
    await Promise.resolve(transport.cancel?.(error)).catch(() => undefined);
    throw error;
  }
  return batchId;
}

/**
 * Read a dispatched batch's outputs without waiting: all present → the
 * batch is finished and outputs come back in dataset order; otherwise an error names the
 * missing samples and leaves the batch open, so a later call can succeed.
 */
export async function collectLazyParallelOutputs(
  session: LazyParallelSession,
  batchId: string,
  invocations: readonly SampleInvocation[],
): Promise<string[]> {
  const meta = await session.store.meta(batchId);
  if (meta === undefined) {
    throw new EvalRunError(
      `Lazy parallel batch '${batchId}' result metadata is missing; check the batch id, or whether its results expired (result TTL).`,
    );
  }
  if (meta.sampleCount !== invocations.length) {
    throw new EvalRunError(
      `Lazy parallel batch '${batchId}' was initialized for ${meta.sampleCount} samples; got ${invocations.length} samples for collection.`,
    );
  }
  const indexes = invocations.map((_, index) => index);
  let read = await session.store.readWindow(batchId, indexes);
  const check = (): string[] | undefined => {
    const failed = [...read.failures.entries()].sort(([a], [b]) => a - b)[0];
    if (failed !== undefined)
      throw new InfraError(
        `Lazy parallel batch job for sample '${failed[1].sampleId}' failed: ${failed[1].error.replace(/\.$/, '')}.`,
      );
    const outputs: string[] = [];
    for (const [index, invocation] of invocations.entries()) {
      const stored = read.successes.get(index);
      if (stored === undefined) return undefined;
      if (stored.sampleId !== invocation.id) {
        throw new EvalRunError(
          `Stored lazy parallel batch output at index ${index} belongs to sample '${stored.sampleId}'; expected '${invocation.id}'.`,
        );
      }
      outputs.push(stored.answer.output);
    }
    return outputs;
  };
  let outputs = check();
  if (outputs === undefined) {
    read = await session.store.readWindow(batchId, indexes);
    outputs = check();
  }
  if (outputs === undefined) {
    const missing = invocations
      .filter((_, index) => !read.successes.has(index))
      .map((invocation) => invocation.id);
    throw new InfraError(
      `Lazy parallel batch '${batchId}' did not produce outputs for sample ids: ${listIds(missing)}. Check that workers are running and share this Redis.`,
    );
  }
  // The outputs are in hand; an unfinished batch record expires with its TTL.
  await session.store.finish(batchId).catch(() => undefined);
  return outputs;
}

export interface WorkerPoolOptions {
  readonly session: LazyParallelSession;
  readonly concurrency: number;
  readonly resolveRunner: (name: string) => Promise<SampleRunner | undefined>;
  /** One line per failed job. */
  readonly onFailedJob?: (line: string) => void;
  /** One line per batch whose remaining jobs are skipped (aborted, finished or expired). */
  readonly onSkippedBatch?: (line: string) => void;
  /** This worker's own version and SUT fingerprint; a job stamped otherwise is refused. */
  readonly identity?: ProducerIdentity;
  /** The same per runner name, when the config has a SUT per dataset; wins over `identity`. */
  readonly identityFor?: (runner: string) => Promise<ProducerIdentity>;
  /** Shorter locks make a killed worker's jobs come back sooner (tests). @defaultValue 30000 */
  readonly lockDurationMs?: number;
}

export interface WorkerPool {
  readonly worker: Worker;
  /** Stop taking jobs and wait for the ones in flight; `force` does not wait. */
  close(force?: boolean): Promise<void>;
}

/** A BullMQ Worker with `concurrency` slots that runs sample jobs. */
export async function startWorkerPool(options: WorkerPoolOptions): Promise<WorkerPool> {
  const { Worker, UnrecoverableError } = loadBullmq();
  const { session } = options;
  // Outcomes go through their own client with auto-pipelining: the records of jobs that finish
  // in the same tick share one socket write instead of one write each. (BullMQ's own
  // connections keep plain pipelining: its blocking commands must not be batched.)
  const storeClient = session.connect({ autoPipelining: true });
  const store = createRedisResultStore(storeClient, session.prefix);
  const statuses = createBatchStatusCache((batchId) => store.status(batchId), session.clock);
  const stopAbortNotices = await store.subscribeAborts((batchId) => statuses.markAborted(batchId));
  const process = createSampleProcessor({
    store,
    resolveRunner: options.resolveRunner,
    clock: session.clock,
    batchStatus: (batchId) => statuses.status(batchId),
    ...(options.identity === undefined ? {} : { identity: options.identity }),
    ...(options.identityFor === undefined ? {} : { identityFor: options.identityFor }),
    ...(options.onSkippedBatch === undefined ? {} : { onSkippedBatch: options.onSkippedBatch }),
  });
  const lockDuration = options.lockDurationMs ?? 30_000;
  // BullMQ leaves a connection it was given open on close; this pool owns it and closes it.
  const workerConnection = session.connect();
  const worker = new Worker(
    session.queueName,
    async (job) => {
      try {
        await process(job);
      } catch (error) {
        // An invalid payload or unknown runner fails the job without retries; it never runs.
        if (error instanceof InvalidSampleJobError) throw new UnrecoverableError(error.message);
        throw error;
      }
    },
    {
      connection: workerConnection,
      prefix: session.prefix,
      concurrency: options.concurrency,
      lockDuration,
      stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
      maxStalledCount: 2,
    },
  );
  worker.on('error', () => undefined);
  worker.on('failed', (job, error) => {
    const sample = (job?.data as { sampleId?: unknown } | undefined)?.sampleId;
    options.onFailedJob?.(
      `job ${job?.id ?? '?'}${typeof sample === 'string' ? ` (sample '${sample}')` : ''} failed: ${errorMessage(error)}`,
    );
  });
  await worker.waitUntilReady();
  let closing: Promise<void> | undefined;
  // The store client closes after the worker: in-flight jobs still record their outcomes.
  const closeWith = (force: boolean) =>
    worker
      .close(force)
      // Closing is best effort: the store client below closes whatever happened.
      .catch(() => undefined)
      .finally(async () => {
        await stopAbortNotices();
        storeClient.disconnect();
        workerConnection.disconnect();
      });
  return {
    worker,
    close(force = false) {
      if (force) return closeWith(true);
      closing ??= closeWith(false);
      return closing;
    },
  };
}
