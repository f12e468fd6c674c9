import { resolve } from 'node:path';
import type { ResolvedBatch } from '../batches/index.js';
import { UsageError } from '../errors.js';
import { parseCountFlag } from '../flag-values.js';
import { DEFAULT_CACHE_DIR, createDiskCache, type ResponseCache } from '../response-cache.js';
import type { BatchFlagOptions } from './batch-flags.js';
import type { ComparisonFlagOptions } from './comparison-flags.js';
import type { CliIo } from './io.js';

/** Options of `eval-harness run`, as commander parses them. */
export interface RunCommandOptions extends BatchFlagOptions, ComparisonFlagOptions {
  config?: string;
  sut?: string;
  metric: string[];
  outputs?: string;
  json?: boolean;
  markdown?: boolean;
  out?: string;
  junit?: string;
  csv?: string;
  /** `--annotations github`, or false with `--no-annotations`. */
  annotations?: string | boolean;
  failUnder: string[];
  dryRun?: boolean;
  progressFile?: string;
  localWorkers?: string;
  repeat?: string;
  maxCost?: string;
  redisUrl?: string;
  evalSet?: string;
  manifest?: string;
  retryFailed?: boolean;
  /** False with --no-progress. */
  progress?: boolean;
  cacheDir?: string;
  /** False with --no-cache. */
  cache?: boolean;
  maxRows?: string;
  sutTimeout?: string;
  sutRetries?: string;
  maxErrors?: string;
  resume?: string;
}

/**
 * The flags a run reads once its context is made, checked and resolved (paths absolute), so
 * that nothing past `createRunContext` reads commander's option bag.
 */
export interface RunFlags {
  /** `--metric`, in order (empty: the config's or the dataset file's metrics). */
  readonly metricFlags: readonly string[];
  /** `--outputs`: score these saved outputs instead of calling the SUT. */
  readonly outputsPath: string | undefined;
  /** `--sut`: a SUT module that wins over the config's `sut`. */
  readonly sutModule: string | undefined;
  readonly json: boolean;
  /** False with `--no-progress`. */
  readonly progress: boolean;
  readonly progressFile: string | undefined;
  readonly redisUrl: string | undefined;
  /** `--max-rows`: samples listed below the pass line in Markdown. */
  readonly maxRows: number | undefined;
}

export function runFlagsOf(options: RunCommandOptions, io: CliIo): RunFlags {
  return {
    maxRows:
      options.maxRows === undefined
        ? undefined
        : parseCountFlag('--max-rows', options.maxRows, Number.MAX_SAFE_INTEGER),
    metricFlags: options.metric,
    outputsPath: options.outputs === undefined ? undefined : resolve(io.cwd, options.outputs),
    sutModule: options.sut,
    json: options.json === true,
    progress: options.progress !== false,
    progressFile:
      options.progressFile === undefined ? undefined : resolve(io.cwd, options.progressFile),
    redisUrl: options.redisUrl,
  };
}

/**
 * The report's format comes from --json, never from the --out file name; say so before a long
 * run when the name suggests the other format.
 */
export function reportExtensionWarnings(options: RunCommandOptions): string[] {
  const out = options.out?.toLowerCase();
  if (out === undefined) return [];
  if (out.endsWith('.json') && options.json !== true)
    return [
      `--out ${options.out} ends in .json, but the report will be Markdown; add --json to write JSON.`,
    ];
  if ((out.endsWith('.md') || out.endsWith('.markdown')) && options.json === true)
    return [
      `--out ${options.out} is named as Markdown, but --json writes a JSON report; drop --json to write Markdown.`,
    ];
  return [];
}

/**
 * The run's budget: `--max-cost` (a positive amount of USD, or `none` to clear a profile's),
 * else the profile's `maxCostUsd`. Saved outputs (`--outputs`) call no SUT, so they have none.
 */
export function maxCostOf(options: RunCommandOptions, batch: ResolvedBatch): number | undefined {
  const text = options.maxCost;
  if (text === undefined)
    return options.outputs === undefined ? (batch.profile?.maxCostUsd ?? undefined) : undefined;
  if (/^(none|null)$/i.test(text.trim())) return undefined;
  const usd = Number(text);
  if (text.trim() === '' || !Number.isFinite(usd) || usd <= 0)
    throw new UsageError(
      `The --max-cost option must be a positive amount of USD, such as 2.50 (or none); got '${text}'.`,
    );
  if (options.outputs !== undefined)
    throw new UsageError(
      '--max-cost stops a run that calls the SUT; with --outputs nothing is dispatched, so drop one of them.',
    );
  return usd;
}

/** The response cache of a run or worker: `--cache-dir` (cwd-relative), unless `--no-cache`. */
export function responseCacheOf(
  options: { readonly cache?: boolean; readonly cacheDir?: string },
  io: CliIo,
): ResponseCache | undefined {
  const dir = cacheDirOf(options.cacheDir, io);
  return options.cache === false ? undefined : createDiskCache(dir);
}

/** The cache folder: `--cache-dir` (cwd-relative), else the default. */
export function cacheDirOf(cacheDir: string | undefined, io: CliIo): string {
  if (cacheDir !== undefined && cacheDir.trim() === '')
    throw new UsageError('The --cache-dir option requires a non-empty folder path.');
  return resolve(io.cwd, cacheDir ?? DEFAULT_CACHE_DIR);
}
