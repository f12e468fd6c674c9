import {
  DEFAULT_QUEUE_NAME,
  openLazyParallelSession,
  startWorkerPool,
  type RedisTarget,
  type ResolvedRedisTarget,
} from '../batches/index.js';
import type { LoadedConfig } from '../config/index.js';
import { UsageError } from '../errors.js';
import type { ResponseCache } from '../response-cache.js';
import {
  createConfigRunnerResolver,
  redisOf,
  runnerNameOf,
  workerIdentities,
} from './config-runtime.js';

export interface WorkerSettings {
  /** @defaultValue 'eval-harness-samples' */
  readonly queue?: string;
  /** Jobs run at once by this process. */
  readonly concurrency: number;
  /** `--redis-url`. @defaultValue the config's `redis` */
  readonly redis?: RedisTarget;
  /** The response cache for an http SUT; none when undefined. */
  readonly cache?: ResponseCache;
  /** Shorter locks make a killed worker's jobs come back sooner. @defaultValue 30000 */
  readonly lockDurationMs?: number;
  /** One line per failed job. */
  readonly onFailedJob?: (line: string) => void;
  /** One line per batch whose remaining jobs are skipped. */
  readonly onSkippedBatch?: (line: string) => void;
}

/** A running worker; `stop()` drains the jobs in flight (or, forced, does not wait). */
export interface RunningWorker {
  readonly queueName: string;
  readonly redis: ResolvedRedisTarget;
  stop(force?: boolean): Promise<void>;
}

/**
 * Start a queue worker that runs sample jobs with the SUT of this process's own config (a job
 * names the runner, never a module path). The SUT is built now, so a broken module is one error
 * at start-up, not one per job.
 */
export async function startWorker(
  loaded: LoadedConfig,
  settings: WorkerSettings,
): Promise<RunningWorker> {
  const ownSuts = Object.entries(loaded.config.datasets ?? {}).flatMap(([name, entry]) =>
    entry.sut === undefined ? [] : [runnerNameOf(loaded, name)],
  );
  if (loaded.config.sut === undefined && ownSuts.length === 0) {
    throw new UsageError(
      `The worker needs a system under test in its config (sut: { type: module, path }, or datasets.<name>.sut)${loaded.path === undefined ? '; no config file was found' : ` in ${loaded.path}`}.`,
    );
  }
  // Every SUT is built now, so a broken module is one error at start-up, not one per job.
  const resolveRunner = createConfigRunnerResolver(loaded, settings.cache);
  for (const runner of [...(loaded.config.sut === undefined ? [] : ['sut']), ...ownSuts])
    await resolveRunner(runner);
  const queueName = settings.queue ?? DEFAULT_QUEUE_NAME;
  const session = await openLazyParallelSession({
    ...redisOf(settings.redis, loaded),
    prefix: loaded.redis.prefix,
    queueName,
  });
  const pool = await startWorkerPool({
    session,
    concurrency: settings.concurrency,
    resolveRunner,
    identityFor: workerIdentities(loaded),
    ...(settings.onFailedJob === undefined ? {} : { onFailedJob: settings.onFailedJob }),
    ...(settings.onSkippedBatch === undefined ? {} : { onSkippedBatch: settings.onSkippedBatch }),
    ...(settings.lockDurationMs === undefined ? {} : { lockDurationMs: settings.lockDurationMs }),
  }).catch(async (error: unknown) => {
    await session.close();
    throw error;
  });
  return {
    queueName,
    redis: session.redis,
    async stop(force = false) {
      await pool.close(force);
      await session.close();
    },
  };
}
