import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import {
  createProfileResolver,
  PROFILES_VALUE_ERROR,
  DEFAULT_REDIS_PREFIX,
  DEFAULT_RESULT_TTL_SECONDS,
  DEFAULT_WAIT_TIMEOUT_SECONDS,
  type ProfileResolver,
  type RedisTarget,
} from '../batches/index.js';
import { ConfigError, EvalRunError, InfraError, errorMessage } from '../errors.js';
import { importUserModule } from '../load-module.js';
import { createEvalSet } from '../eval-sets/eval-set.js';
import { isPlainObject } from '../values.js';
import { parseYaml } from '../yaml.js';
import { ConfigSchema, type ParsedConfig } from './config-schema.js';
import { formatIssues } from '../schema-issues.js';
import { normalizeBoolean, normalizeNonNegativeInt, normalizeTimeout } from './normalizers.js';
import { pathInfo } from '../path-info.js';

/** Looked for in the working directory, in this order; the first one found is used. */
export const CONFIG_FILE_NAMES = [
  'eval-harness.config.ts',
  'eval-harness.config.mts',
  'eval-harness.config.js',
  'eval-harness.config.mjs',
  'eval-harness.config.cjs',
  'eval-harness.config.json',
  'eval-harness.config.yaml',
  'eval-harness.config.yml',
] as const;

export interface ResolvedRuntime {
  readonly raiseExceptions: boolean;
  readonly providerRetryAttempts: number;
  readonly providerRetrySleepMs: number;
  readonly metricConcurrency: number;
}

/** A provider after config, env and defaults. The key stays in memory only. */
export interface ResolvedProvider {
  readonly endpoint: string;
  readonly model: string;
  readonly apiKey: string;
  readonly timeoutSeconds: number;
  readonly promptTemplate?: string;
  /** The judge's votes per judged metric and sample (`providers.judge.votes`). @defaultValue 1 */
  readonly votes?: number;
}

/** Config-level batch defaults after config and env. */
export interface ResolvedBatchDefaults {
  /** The result-store TTL floor F. */
  readonly resultTtlSeconds: number;
  /** The default per-window wait W. */
  readonly waitTimeoutSeconds: number;
}

/** A validated config with its defaults applied; paths stay as written (relative to `dir`). */
export interface LoadedConfig {
  /** The config file, or undefined when none was found (a config is optional). */
  readonly path: string | undefined;
  /** Folder that relative paths in the config are resolved against. */
  readonly dir: string;
  readonly config: ParsedConfig;
  readonly runtime: ResolvedRuntime;
  readonly batchDefaults: ResolvedBatchDefaults;
  /**
   * Where Redis is and the key prefix: config, then env, then defaults (flags win later, in the
   * CLI). `source` names where the target came from, for messages; it is checked on first use,
   * so a bad Redis URL never stops a run that does not need Redis.
   */
  readonly redis: {
    readonly target: RedisTarget;
    readonly source: string;
    readonly prefix: string;
  };
  /** Built-in and config profiles, all validated at load. */
  readonly profiles: ProfileResolver;
  readonly providers: { readonly judge: ResolvedProvider; readonly embeddings: ResolvedProvider };
  /** The environment the config was resolved with (for `apiKeyEnv` lookups at the edge). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface LoadConfigOptions {
  readonly cwd: string;
  /** `-c/--config`; relative to `cwd`. */
  readonly configPath?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const path =
    options.configPath !== undefined
      ? resolve(options.cwd, options.configPath)
      : await discover(options.cwd);
  const config =
    path === undefined ? {} : await readAndValidate(path, options.configPath !== undefined);
  return {
    path,
    dir: path === undefined ? options.cwd : dirname(path),
    config,
    runtime: resolveRuntime(config, options.env),
    batchDefaults: resolveBatchDefaults(config, options.env),
    redis: {
      ...resolveRedis(config, options.env),
      prefix: config.redis?.prefix ?? DEFAULT_REDIS_PREFIX,
    },
    profiles: buildProfiles(config, path),
    providers: resolveProviders(config, options.env),
    env: options.env,
  };
}

function resolveRedis(
  config: ParsedConfig,
  env: LoadConfigOptions['env'],
): { target: RedisTarget; source: string } {
  if (config.redis?.cluster !== undefined)
    return { target: { cluster: config.redis.cluster }, source: 'redis.cluster' };
  if (config.redis?.url !== undefined) return { target: config.redis.url, source: 'redis.url' };
  const fromEnv = nonEmptyEnv(env['EVAL_HARNESS_REDIS_URL']);
  if (fromEnv !== undefined) return { target: fromEnv, source: 'EVAL_HARNESS_REDIS_URL' };
  return { target: 'redis://127.0.0.1:6379', source: 'the default Redis URL' };
}

/** Config wins over env, env over the OpenAI defaults; keys come from env variables only. */
function resolveProviders(
  config: ParsedConfig,
  env: LoadConfigOptions['env'],
): LoadedConfig['providers'] {
  const judge = config.providers?.judge;
  const embeddings = config.providers?.embeddings;
  const key = (named: string | undefined, specific: string): string =>
    (named !== undefined ? env[named] : undefined) ??
    nonEmptyEnv(env[specific]) ??
    nonEmptyEnv(env['OPENAI_API_KEY']) ??
    '';
  const template = judge?.promptTemplate ?? nonEmptyEnv(env['EVAL_HARNESS_JUDGE_PROMPT_TEMPLATE']);
  return {
    judge: {
      endpoint:
        judge?.endpoint ??
        nonEmptyEnv(env['EVAL_HARNESS_JUDGE_ENDPOINT']) ??
        'https://api.openai.com/v1/chat/completions',
      model: judge?.model ?? nonEmptyEnv(env['EVAL_HARNESS_JUDGE_MODEL']) ?? 'gpt-4o-mini',
      apiKey: key(judge?.apiKeyEnv, 'EVAL_HARNESS_JUDGE_API_KEY'),
      timeoutSeconds:
        judge?.timeoutSeconds ?? normalizeTimeout(env['EVAL_HARNESS_JUDGE_TIMEOUT'], 60),
      ...(template === undefined ? {} : { promptTemplate: template }),
      ...(judge?.votes === undefined ? {} : { votes: judge.votes }),
    },
    embeddings: {
      endpoint:
        embeddings?.endpoint ??
        nonEmptyEnv(env['EVAL_HARNESS_EMBEDDINGS_ENDPOINT']) ??
        'https://api.openai.com/v1/embeddings',
      model:
        embeddings?.model ??
        nonEmptyEnv(env['EVAL_HARNESS_EMBEDDINGS_MODEL']) ??
        'text-embedding-3-small',
      apiKey: key(embeddings?.apiKeyEnv, 'EVAL_HARNESS_EMBEDDINGS_API_KEY'),
      timeoutSeconds:
        embeddings?.timeoutSeconds ?? normalizeTimeout(env['EVAL_HARNESS_EMBEDDINGS_TIMEOUT'], 30),
    },
  };
}

function nonEmptyEnv(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Every eval set names known config datasets, once each, unpadded. */
function checkEvalSets(config: ParsedConfig, path: string): void {
  for (const [name, datasets] of Object.entries(config.evalSets ?? {})) {
    try {
      createEvalSet(name, datasets);
    } catch (error) {
      throw new ConfigError(`${path}: evalSets.${name}: ${errorMessage(error)}`, {
        code: 'E_CONFIG_EVAL_SET',
        cause: error,
      });
    }
    const known = Object.keys(config.datasets ?? {});
    for (const dataset of datasets) {
      if (!known.includes(dataset)) {
        throw new ConfigError(
          `${path}: evalSets.${name}: dataset '${dataset}' is not defined under datasets${known.length > 0 ? ` (defined: ${known.join(', ')})` : ''}.`,
          { code: 'E_CONFIG_EVAL_SET' },
        );
      }
    }
  }
}

async function readAndValidate(path: string, explicit: boolean): Promise<ParsedConfig> {
  const parsed = ConfigSchema.safeParse(await readConfigFile(path, explicit));
  if (!parsed.success)
    throw new ConfigError(formatIssues(path, parsed.error.issues), { code: 'E_CONFIG_SCHEMA' });
  checkEvalSets(parsed.data, path);
  return parsed.data;
}

/** Every profile is validated at load: a broken one fails every command. */
function buildProfiles(config: ParsedConfig, path: string | undefined): ProfileResolver {
  const batches = config.batches;
  try {
    return createProfileResolver(
      batches !== undefined && 'profiles' in batches ? batches.profiles : undefined,
    );
  } catch (error) {
    if (error instanceof EvalRunError) {
      const where = error.code === PROFILES_VALUE_ERROR ? '' : 'batches.profiles: ';
      throw new ConfigError(`${path ?? 'config'}: ${where}${error.message}`, {
        code: 'E_CONFIG_PROFILE',
        cause: error,
      });
    }
    throw error;
  }
}

function resolveBatchDefaults(
  config: ParsedConfig,
  env: LoadConfigOptions['env'],
): ResolvedBatchDefaults {
  const lazy = config.batches?.lazyParallel;
  return {
    resultTtlSeconds:
      lazy?.resultTtlSeconds ??
      normalizeTimeout(env['EVAL_HARNESS_BATCH_RESULT_TTL'], DEFAULT_RESULT_TTL_SECONDS),
    waitTimeoutSeconds:
      lazy?.waitTimeoutSeconds ??
      normalizeTimeout(env['EVAL_HARNESS_BATCH_WAIT_TIMEOUT'], DEFAULT_WAIT_TIMEOUT_SECONDS),
  };
}

/** The config file wins over env vars, which win over built-in defaults. */
function resolveRuntime(config: ParsedConfig, env: LoadConfigOptions['env']): ResolvedRuntime {
  return {
    raiseExceptions:
      config.runtime?.raiseExceptions ??
      normalizeBoolean(env['EVAL_HARNESS_RAISE_EXCEPTIONS'], false),
    providerRetryAttempts:
      config.runtime?.providerRetryAttempts ??
      normalizeNonNegativeInt(env['EVAL_HARNESS_PROVIDER_RETRY_ATTEMPTS'], 0),
    metricConcurrency:
      config.runtime?.metricConcurrency ??
      Math.max(1, normalizeNonNegativeInt(env['EVAL_HARNESS_METRIC_CONCURRENCY'], 4)),
    providerRetrySleepMs:
      config.runtime?.providerRetrySleepMs ??
      normalizeNonNegativeInt(env['EVAL_HARNESS_PROVIDER_RETRY_SLEEP_MS'], 100),
  };
}

async function discover(cwd: string): Promise<string | undefined> {
  for (const name of CONFIG_FILE_NAMES) {
    const candidate = resolve(cwd, name);
    if ((await pathInfo(candidate))?.isFile()) return candidate;
  }
  return undefined;
}

async function readConfigFile(path: string, explicit: boolean): Promise<unknown> {
  const info = await pathInfo(path);
  if (!info?.isFile()) {
    throw new ConfigError(
      `Config file not found: ${path}${explicit ? ' (from --config)' : ''}. Pass an existing eval-harness.config.{ts,js,json,yaml} file.`,
      { code: 'E_CONFIG_MISSING' },
    );
  }
  const extension = extname(path).toLowerCase();
  if (extension === '.json' || extension === '.yaml' || extension === '.yml') {
    const text = await readFile(path, 'utf8');
    try {
      return extension === '.json' ? JSON.parse(text) : parseYaml(text);
    } catch (error) {
      throw new ConfigError(
        `${path}: not valid ${extension === '.json' ? 'JSON' : 'YAML'}: ${firstLine(errorMessage(error))}`,
        {
          code: 'E_CONFIG_PARSE',
          cause: error,
        },
      );
    }
  }
  let module: Record<string, unknown>;
  try {
    module = await importUserModule(path);
  } catch (error) {
    // An error thrown while evaluating user code is a runtime failure, not bad input.
    throw new InfraError(
      `Config module ${basename(path)} failed to load: ${firstLine(errorMessage(error))}`,
      { cause: error },
    );
  }
  const config = 'default' in module ? module['default'] : undefined;
  if (!isPlainObject(config)) {
    throw new ConfigError(
      `${path}: the config module must have a default export that is a plain object (export default defineConfig({ ... })).`,
      { code: 'E_CONFIG_EXPORT' },
    );
  }
  return config;
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0] ?? message;
}
