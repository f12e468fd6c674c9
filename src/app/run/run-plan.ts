import {
  DEFAULT_QUEUE_NAME,
  checkClusterPrefix,
  checkQueueName,
  providedBatchFlags,
  resolveRedisTarget,
  resolveBatchOptions,
  serialBatchOptions,
  type ResolvedBatch,
  type SutCallPolicy,
} from '../../batches/index.js';
import type { LoadedConfig } from '../../config/index.js';
import { UsageError } from '../../errors.js';
import { redisOf, sutCallPolicy } from '../config-runtime.js';
import type { ScoreGate } from '../../reports/index.js';
import type { RunRequest } from './run-request.js';

/** A run resolved against the config, before anything runs. */
export interface RunPlan {
  readonly batch: ResolvedBatch;
  readonly gates: readonly ScoreGate[];
  readonly localWorkers: number;
  /** USD the run may spend: the request's, else its profile's `maxCostUsd`. */
  readonly maxCostUsd: number | undefined;
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
  const scoresSavedOutputs = request.outputsPath !== undefined;
  const batchFlags = request.batchFlags ?? {};
  let batch: ResolvedBatch;
  if (scoresSavedOutputs) {
    const ignored = providedBatchFlags(batchFlags);
    if (ignored.length > 0) {
      warnings.push(
        `Ignoring batch flags ${ignored.map((flag) => `--${flag}`).join(', ')}: --outputs is set, and scoring saved outputs bypasses batch dispatch.`,
      );
    }
    batch = { options: serialBatchOptions(), profile: null };
  } else {
    batch = resolveBatchOptions(batchFlags, loaded.profiles);
  }
  const lazy = batch.options.mode === 'lazy-parallel';
  for (const [flag, given] of [
    ['--local-workers', request.localWorkers !== undefined],
    ['--redis-url', request.redisUrl !== undefined],
  ] as const) {
    if (given && !lazy && !scoresSavedOutputs) {
      throw new UsageError(
        `${flag} requires --batch=lazy-parallel (or a --batch-profile in lazy-parallel mode, such as ci or nightly).`,
      );
    }
  }
  if (request.repeat !== undefined && scoresSavedOutputs)
    throw new UsageError(
      '--repeat calls the SUT several times per sample, but --outputs scores saved answers (one per sample); drop one of them.',
    );
  for (const [flag, given] of [
    ['--sut-timeout', request.sutTimeoutSeconds !== undefined],
    ['--sut-retries', request.sutRetries !== undefined],
    ['--max-errors', request.maxErrors !== undefined],
  ] as const)
    if (given && scoresSavedOutputs)
      throw new UsageError(
        `${flag} applies to SUT calls, but --outputs scores saved answers and calls no SUT; drop one of them.`,
      );
  if (lazy) warnings.push(...checkLazyParallel(loaded, request, batch));
  return {
    batch,
    gates: request.gates ?? [],
    localWorkers: request.localWorkers ?? 0,
    maxCostUsd: maxCostOf(request, batch),
    sut: sutCallPolicy(loaded, {
      sutModule: request.sutModule,
      timeoutSeconds: request.sutTimeoutSeconds,
      retries: request.sutRetries,
    }),
    maxErrors: request.maxErrors ?? 0,
    warnings,
  };
}

/**
 * The run's budget: the request's (null clears the profile's), else its profile's `maxCostUsd`.
 * Saved outputs call no SUT, so they have none.
 */
function maxCostOf(request: RunRequest, batch: ResolvedBatch): number | undefined {
  const asked = request.maxCostUsd;
  if (asked === undefined)
    return request.outputsPath === undefined ? (batch.profile?.maxCostUsd ?? undefined) : undefined;
  if (asked === null) return undefined;
  if (!Number.isFinite(asked) || asked <= 0)
    throw new UsageError(
      `The --max-cost option must be a positive amount of USD, such as 2.50 (or none); got ${asked}.`,
    );
  if (request.outputsPath !== undefined)
    throw new UsageError(
      '--max-cost stops a run that calls the SUT; with --outputs nothing is dispatched, so drop one of them.',
    );
  return asked;
}

/**
 * How many times each sample of a dataset runs: the request's `repeat`, else the config
 * dataset's, else once.
 */
export function repeatOf(loaded: LoadedConfig, request: RunRequest, datasetName: string): number {
  return request.repeat ?? loaded.config.datasets?.[datasetName]?.repeat ?? 1;
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
