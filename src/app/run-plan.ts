import {
  DEFAULT_QUEUE_NAME,
  checkClusterPrefix,
  checkQueueName,
  providedBatchFlags,
  resolveRedisTarget,
  resolveBatchOptions,
  serialBatchOptions,
  type BatchFlags,
  type ResolvedBatch,
  type SutCallPolicy,
} from '../batches/index.js';
import type { LoadedConfig } from '../config/index.js';
import { UsageError } from '../errors.js';
import { redisOf, sutCallPolicy } from './config-runtime.js';
import type { ScoreGate } from '../reports/index.js';

/** What a run was asked for, already parsed: the CLI's flags, or a library caller's values. */
export interface RunRequest {
  /** Raw batch flag values (profiles and `none` are resolved here). */
  readonly batchFlags: BatchFlags;
  /** Saved outputs are scored in place: batch flags are neither validated nor used. */
  readonly scoresSavedOutputs: boolean;
  /** A SUT module given for this run (`--sut`), which lazy-parallel cannot use. */
  readonly sutModule?: string;
  /** Lazy-parallel: worker slots in this process. */
  readonly localWorkers?: number;
  /** Lazy-parallel: the Redis to use instead of the config's. */
  readonly redisUrl?: string;
  /** `--repeat`: SUT calls per sample, instead of the config dataset's `repeat`. */
  readonly repeat?: number;
  /** `--sut-timeout`: seconds per SUT call, instead of the config's `sut.timeoutSeconds`. */
  readonly sutTimeoutSeconds?: number;
  /** `--sut-retries`: retries of a failed SUT call, instead of the config's `sut.retries`. */
  readonly sutRetries?: number;
  /** `--max-errors`: sample errors the run goes on past. */
  readonly maxErrors?: number;
  readonly gates: readonly ScoreGate[];
}

/** A run resolved against the config, before anything runs. */
export interface RunPlan {
  readonly batch: ResolvedBatch;
  readonly gates: readonly ScoreGate[];
  readonly localWorkers: number;
  readonly redisUrl: string | undefined;
  readonly repeat: number | undefined;
  /** Each SUT call's timeout and retries. */
  readonly sut: SutCallPolicy;
  /** Sample errors the run goes on past (0: it stops at the first). */
  readonly maxErrors: number;
  /** What to tell the user before the run starts, one line each. */
  readonly warnings: readonly string[];
}

/**
 * Resolve a run: batch options from flags and profiles, and every check that needs the config
 * (lazy-parallel needs the SUT in the config, a valid queue name, a Redis URL). Pure: no I/O, so
 * every error here comes before anything ran.
 */
export function planRun(loaded: LoadedConfig, request: RunRequest): RunPlan {
  const warnings: string[] = [];
  let batch: ResolvedBatch;
  if (request.scoresSavedOutputs) {
    const ignored = providedBatchFlags(request.batchFlags);
    if (ignored.length > 0) {
      warnings.push(
        `Ignoring batch flags ${ignored.map((flag) => `--${flag}`).join(', ')}: --outputs is set, and scoring saved outputs bypasses batch dispatch.`,
      );
    }
    batch = { options: serialBatchOptions(), profile: null };
  } else {
    batch = resolveBatchOptions(request.batchFlags, loaded.profiles);
  }
  const lazy = batch.options.mode === 'lazy-parallel';
  for (const [flag, given] of [
    ['--local-workers', request.localWorkers !== undefined],
    ['--redis-url', request.redisUrl !== undefined],
  ] as const) {
    if (given && !lazy && !request.scoresSavedOutputs) {
      throw new UsageError(
        `${flag} requires --batch=lazy-parallel (or a --batch-profile in lazy-parallel mode, such as ci or nightly).`,
      );
    }
  }
  if (request.repeat !== undefined && request.scoresSavedOutputs)
    throw new UsageError(
      '--repeat calls the SUT several times per sample, but --outputs scores saved answers (one per sample); drop one of them.',
    );
  for (const [flag, given] of [
    ['--sut-timeout', request.sutTimeoutSeconds !== undefined],
    ['--sut-retries', request.sutRetries !== undefined],
    ['--max-errors', request.maxErrors !== undefined],
  ] as const)
    if (given && request.scoresSavedOutputs)
      throw new UsageError(
        `${flag} applies to SUT calls, but --outputs scores saved answers and calls no SUT; drop one of them.`,
      );
  if (lazy) warnings.push(...checkLazyParallel(loaded, request, batch));
  return {
    batch,
    gates: request.gates,
    localWorkers: request.localWorkers ?? 0,
    redisUrl: request.redisUrl,
    repeat: request.repeat,
    sut: sutCallPolicy(loaded, {
      sutModule: request.sutModule,
      timeoutSeconds: request.sutTimeoutSeconds,
      retries: request.sutRetries,
    }),
    maxErrors: request.maxErrors ?? 0,
    warnings,
  };
}

/** What lazy-parallel needs of the config and the request; returns its warnings. */
function checkLazyParallel(
  loaded: LoadedConfig,
  request: RunRequest,
  batch: ResolvedBatch,
): string[] {
  if (request.sutModule !== undefined) {
    throw new UsageError(
      '--sut runs in-process only: lazy-parallel workers build the system under test from their own config, so declare it there (sut: { type: module, path }) and drop --sut.',
    );
  }
  const datasetSuts = Object.values(loaded.config.datasets ?? {}).some(
    (entry) => entry.sut !== undefined,
  );
  if (loaded.config.sut === undefined && !datasetSuts) {
    throw new UsageError(
      'Lazy-parallel runs need the system under test in the config (sut: { type: module, path }), so that workers can build the same runner from their own config.',
    );
  }
  checkQueueName(batch.options.queue ?? DEFAULT_QUEUE_NAME);
  if (request.redisUrl !== undefined && request.redisUrl.trim() === '')
    throw new UsageError('The --redis-url option requires a non-empty URL.');
  // The Redis target and prefix are checked here too, so --dry-run finds a bad one.
  const { redis, redisSource } = redisOf(request.redisUrl, loaded);
  checkClusterPrefix(resolveRedisTarget(redis, redisSource), loaded.redis.prefix);
  const requestedTtl = batch.options.resultTtlSeconds;
  const floor = loaded.batchDefaults.resultTtlSeconds;
  return requestedTtl !== null && requestedTtl < floor
    ? [
        `result TTL ${requestedTtl} s is below the configured floor of ${floor} s (batches.lazyParallel.resultTtlSeconds); results are kept for at least the floor.`,
      ]
    : [];
}
