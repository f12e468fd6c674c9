import { resolve } from 'node:path';
import type { RunRequest, RunTarget } from '../app/index.js';
import { UsageError } from '../errors.js';
import { parseCountFlag, parsePositiveIntFlag, parseSecondsFlag } from '../flag-values.js';
import { parseScoreGate } from '../reports/index.js';
import { DEFAULT_CACHE_DIR, createDiskCache, type ResponseCache } from '../response-cache.js';
import { readBatchFlags, type BatchFlagOptions } from './batch-flags.js';
import { baselineRequestOf, type ComparisonFlagOptions } from './comparison-flags.js';
import type { CliIo } from './io.js';
import { checkFilePathFlags } from './path-flags.js';

/** Options of `eval-harness run` (and `adversarial`), as commander parses them. */
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
  filterFailing?: string;
  tag: string[];
  filterId?: string;
  limit?: string;
  sample?: string;
  seed?: string;
  shard?: string;
  jsonl?: string;
}

/**
 * The report's format comes from --json, never from the --out file name; say so before a long
 * run when the name suggests the other format.
 */
function reportExtensionWarnings(options: RunCommandOptions): string[] {
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

/** `--max-cost`: a positive amount of USD, or `none` / `null` to clear a profile's budget. */
function parseMaxCost(text: string): number | null {
  if (/^(none|null)$/i.test(text.trim())) return null;
  const usd = Number(text);
  if (text.trim() === '' || !Number.isFinite(usd) || usd <= 0)
    throw new UsageError(
      `The --max-cost option must be a positive amount of USD, such as 2.50 (or none); got '${text}'.`,
    );
  return usd;
}

/** `--shard <i>/<n>`: shard i (1-based) of n. */
function parseShard(text: string): { index: number; count: number } {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || index < 1 || index > count || !Number.isSafeInteger(count))
    throw new UsageError(
      `The --shard option must be <i>/<n> with 1 <= i <= n, such as 2/4 (the second of four CI jobs); got '${text}'.`,
    );
  return { index, count };
}

/** The sample selection flags; `--seed` only means something with `--sample`. */
function selectionOf(options: RunCommandOptions): RunRequest['selection'] {
  if (options.seed !== undefined && options.sample === undefined)
    throw new UsageError('--seed requires --sample <n>.');
  options.tag.forEach((tag, index) => {
    if (tag.trim() === '')
      throw new UsageError(`The --tag option value at index ${index} must be a non-empty tag.`);
  });
  if (options.filterId !== undefined && options.filterId === '')
    throw new UsageError('The --filter-id option requires a regular expression.');
  return {
    failingIn: options.filterFailing,
    tags: options.tag,
    idPattern: options.filterId,
    shard: optional(options.shard, parseShard),
    sample: optional(options.sample, (text) => ({
      count: parsePositiveIntFlag('--sample', text),
      seed:
        options.seed === undefined
          ? 0
          : parseCountFlag('--seed', options.seed, Number.MAX_SAFE_INTEGER),
    })),
    limit: optional(options.limit, (text) => parsePositiveIntFlag('--limit', text)),
  };
}

const optional = <T>(text: string | undefined, parse: (text: string) => T): T | undefined =>
  text === undefined ? undefined : parse(text);

/**
 * The run request the flags ask for, every value parsed and every flag-level rule checked
 * (exit 2, nothing read yet), with the warnings about the flags themselves.
 */
export function runRequestOf(
  target: RunTarget,
  options: RunCommandOptions,
  io: CliIo,
): { readonly request: RunRequest; readonly warnings: readonly string[] } {
  checkFilePathFlags([
    ['--outputs', options.outputs],
    ['--out', options.out],
    ['--junit', options.junit],
    ['--csv', options.csv],
    ['--progress-file', options.progressFile],
    ['--manifest', options.manifest],
    ['--html', options.html],
    ['--baseline', options.baseline],
    ['--resume', options.resume],
    ['--filter-failing', options.filterFailing],
    ['--jsonl', options.jsonl],
  ]);
  const warnings = reportExtensionWarnings(options);
  const request: RunRequest = {
    cwd: io.cwd,
    env: io.env,
    configPath: options.config,
    target,
    metrics: options.metric,
    outputsPath: options.outputs,
    sutModule: options.sut,
    batchFlags: readBatchFlags(options),
    selection: selectionOf(options),
    gates: options.failUnder.map(parseScoreGate),
    localWorkers: optional(options.localWorkers, (text) =>
      parsePositiveIntFlag('--local-workers', text),
    ),
    repeat: optional(options.repeat, (text) => parsePositiveIntFlag('--repeat', text)),
    sutTimeoutSeconds: optional(options.sutTimeout, (text) =>
      parseSecondsFlag('--sut-timeout', text),
    ),
    sutRetries: optional(options.sutRetries, (text) => parseCountFlag('--sut-retries', text, 20)),
    maxErrors: optional(options.maxErrors, (text) =>
      parseCountFlag('--max-errors', text, Number.MAX_SAFE_INTEGER),
    ),
    maxCostUsd: optional(options.maxCost, parseMaxCost),
    redisUrl: options.redisUrl,
    resumePath: options.resume,
    baseline: baselineRequestOf(options),
    sampleLinesPath: options.jsonl,
    cacheDir: options.cacheDir,
    cache: options.cache !== false,
    signal: io.interrupt,
  };
  return { request, warnings };
}

/** The report's format flags: `--json`, and `--max-rows` for Markdown. */
export function reportFormatOf(options: RunCommandOptions): {
  readonly json: boolean;
  readonly maxRows: number | undefined;
} {
  return {
    json: options.json === true,
    maxRows: optional(options.maxRows, (text) =>
      parseCountFlag('--max-rows', text, Number.MAX_SAFE_INTEGER),
    ),
  };
}

/** The response cache of a worker: `--cache-dir` (cwd-relative), unless `--no-cache`. */
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
