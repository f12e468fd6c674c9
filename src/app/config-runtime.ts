import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  DEFAULT_SUT_TIMEOUT_SECONDS,
  producerIdentity,
  type ProducerIdentity,
  type BatchProgressReporter,
  type RedisTarget,
  type SutCallPolicy,
} from '../batches/index.js';
import type { LoadedConfig, SutConfig } from '../config/index.js';
import { loadDatasetFile } from '../datasets/index.js';
import type { EvalEngine, GoldenDataset } from '../engine/index.js';
import { createEvalSet, type EvalSetDefinition } from '../eval-sets/index.js';
import { ConfigError, InfraError, MetricSpecError, UsageError, errorMessage } from '../errors.js';
import { importUserModule } from '../load-module.js';
import {
  MetricRegistry,
  PROVIDER_OF_METRIC,
  hasOptions,
  isMetric,
  judgePrompts,
  type Metric,
  type MetricEntry,
  type MetricOptions,
} from '../metrics/index.js';
import type { ScoringProvider } from '../reports/index.js';
import { createEmbeddingsClient, createJudgeClient } from '../providers/index.js';
import {
  createCommandRunner,
  createHttpRunner,
  loadModuleRunner,
  type SampleRunner,
} from '../sut/index.js';
import { CONFIG_SUT_RUNNER } from '../batches/index.js';
import type { ResponseCache } from '../response-cache.js';
import { debugType } from '../values.js';
import { suggestKey } from '../suggest.js';
import { pathInfo } from '../path-info.js';

/**
 * Turning a loaded config into the objects a run uses: the SUT runner, custom metrics, the
 * metric registry with its providers, the progress reporter, the dataset a command names.
 */

/**
 * The config's `progress.reporter` module, if any: its export is a reporter object (with
 * reportCheckpoint and optionally reportTerminal), a class, or a factory returning one.
 */
export async function loadConfigReporter(
  loaded: LoadedConfig,
): Promise<BatchProgressReporter | undefined> {
  const entry = loaded.config.progress?.reporter;
  if (entry === undefined) return undefined;
  const where = `progress.reporter in ${loaded.path ?? 'the config'}`;
  const exported = await importExport(
    resolve(loaded.dir, entry.path),
    entry.export ?? 'default',
    where,
  );
  const reporter = isReporter(exported)
    ? exported
    : typeof exported === 'function'
      ? instantiate(exported, where)
      : undefined;
  if (!isReporter(reporter)) {
    throw new ConfigError(
      `${where}: the export must be a progress reporter (an object with reportCheckpoint()), a class or a factory returning one; got ${debugType(exported)}.`,
    );
  }
  return reporter;
}

function isReporter(value: unknown): value is BatchProgressReporter {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as BatchProgressReporter).reportCheckpoint === 'function'
  );
}

/** Import a user module and pick one export, with messages naming the config key. */
async function importExport(path: string, exportName: string, where: string): Promise<unknown> {
  if (!(await pathInfo(path))?.isFile()) {
    throw new ConfigError(`Module not found: ${path} (from ${where}).`);
  }
  let module: Record<string, unknown>;
  try {
    module = await importUserModule(path);
  } catch (error) {
    throw new InfraError(`Module ${path} (from ${where}) failed to load: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  return module[exportName];
}

/**
 * Call a factory or construct a class with the metric entry's options, turning a throw into a
 * one-line error (exit 3).
 */
function instantiate(exported: unknown, where: string, options: MetricOptions = {}): unknown {
  const fn = exported as (...args: unknown[]) => unknown;
  try {
    const isClass = /^class[\s{]/.test(Function.prototype.toString.call(fn));
    return isClass
      ? new (fn as unknown as new (options: MetricOptions) => unknown)(options)
      : fn(options);
  } catch (error) {
    throw new InfraError(`${where}: creating the export threw: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

/** Register the config's custom metrics (`metrics: { name: { path, export } }`) on the engine. */
export async function registerConfigMetrics(
  engine: EvalEngine,
  loaded: LoadedConfig,
): Promise<void> {
  const { retrieval: _settings, ...custom } = loaded.config.metrics ?? {};
  for (const [name, entry] of Object.entries(custom)) {
    if (entry === undefined) continue;
    const where = `metrics.${name} in ${loaded.path ?? 'the config'}`;
    if (entry.path === undefined) {
      // Only a pass line: it must name a metric that exists.
      if (!engine.metrics.has(name)) {
        const suggestion = suggestKey(name, engine.metrics.names());
        throw new ConfigError(
          `${where}: '${name}' is not a built-in metric, so its threshold applies to nothing${suggestion === undefined ? '; add a path to define a custom metric' : ` (did you mean '${suggestion}'?)`}.`,
        );
      }
      continue;
    }
    const exportName = entry.export ?? 'default';
    const exported = await importExport(resolve(loaded.dir, entry.path), exportName, where);
    if (!isMetric(exported) && typeof exported !== 'function') {
      throw new ConfigError(
        `${where}: export '${exportName}' of ${entry.path} must be a Metric object, a Metric class or a factory function; got ${debugType(exported)}.`,
      );
    }
    engine.metrics.register(name, (options) => {
      if (!isMetric(exported)) return instantiate(exported, where, options);
      if (hasOptions(options))
        throw new MetricSpecError(
          `Metric '${name}' (${where}) is a Metric object, so it takes no options; got '${Object.keys(options)[0]}'. Export a factory or a class to receive options.`,
        );
      return exported;
    });
  }
}

export interface DatasetSelection {
  /** A config dataset name or a dataset file path. */
  readonly dataset: string;
  /** `--metric` values; they win over the config and the file's own `metrics:` list. */
  readonly metricFlags: readonly string[];
  readonly cwd: string;
}

/**
 * Load and register the dataset a command names: a config `datasets` entry when the name is
 * one, otherwise a dataset file path (relative to the working directory).
 */
export async function prepareDataset(
  engine: EvalEngine,
  loaded: LoadedConfig,
  selection: DatasetSelection,
): Promise<GoldenDataset> {
  const configured = loaded.config.datasets?.[selection.dataset];
  const configNames = Object.keys(loaded.config.datasets ?? {});
  let path: string;
  if (configured !== undefined) {
    path = resolve(loaded.dir, configured.path);
  } else if (
    looksLikePath(selection.dataset) ||
    (await pathInfo(resolve(selection.cwd, selection.dataset)))?.isFile()
  ) {
    path = resolve(selection.cwd, selection.dataset);
  } else if (loaded.path === undefined) {
    throw new UsageError(
      `No config file found in ${selection.cwd} (looked for eval-harness.config.{ts,mts,js,mjs,cjs,json,yaml,yml}), and '${selection.dataset}' is not a dataset file. Run "eval-harness init" to write a starter here, pass -c <config>, or name a dataset file.`,
      { code: 'E_UNKNOWN_DATASET' },
    );
  } else {
    const known =
      configNames.length > 0 ? ` Datasets in ${loaded.path}: ${configNames.join(', ')}.` : '';
    const suggestion = suggestKey(selection.dataset, configNames);
    if (suggestion !== undefined)
      throw new UsageError(
        `Dataset '${selection.dataset}' is not in ${loaded.path} (did you mean '${suggestion}'?).${known}`,
        { code: 'E_UNKNOWN_DATASET' },
      );
    throw new UsageError(
      `Dataset '${selection.dataset}' is not registered: it is neither a dataset in the config nor a dataset file.${known} Pass a config dataset name or a path to a .yml file.`,
      { code: 'E_UNKNOWN_DATASET' },
    );
  }
  // A JSON Lines file without a header takes its config key as its name.
  const document = await loadDatasetFile(
    path,
    configured === undefined ? {} : { name: selection.dataset },
  );
  const metrics =
    selection.metricFlags.length > 0
      ? selection.metricFlags
      : (configured?.metrics ?? document.metrics);
  if (metrics === undefined || metrics.length === 0) {
    throw new UsageError(
      `Dataset '${document.name}' has no metrics. Pass --metric <name> (repeatable), list metrics under datasets.<name>.metrics in the config, or add a top-level metrics: list to ${path}.`,
    );
  }
  const name = configured !== undefined ? selection.dataset : document.name;
  const entries = metrics.map((entry): MetricEntry => {
    if (typeof entry === 'string') return { name: entry };
    const { name: metric, threshold: _line, ...options } = entry;
    // Paths in a config entry's options are relative to the config file, like every config path.
    return { name: metric, options, baseDir: loaded.dir };
  });
  const builder = engine
    .dataset(name)
    .useDocument(document)
    .withMetrics(entries)
    .withPassLines(configPassLines(loaded, metrics))
    .fromFile(path);
  try {
    return builder.register();
  } catch (error) {
    // A metric's options are checked as the dataset registers: say where they were written.
    if (
      error instanceof MetricSpecError &&
      configured?.metrics !== undefined &&
      selection.metricFlags.length === 0
    )
      throw new ConfigError(
        `datasets.${selection.dataset}.metrics in ${loaded.path ?? 'the config'}: ${error.message}`,
        { cause: error },
      );
    throw error;
  }
}

/**
 * Each metric's pass line from the config: a dataset entry's `{ name, threshold }` wins over the
 * `metrics.<name>.threshold` of the config; unset lines stay at the default.
 */
function configPassLines(
  loaded: LoadedConfig,
  metrics: readonly (
    | string
    | {
        readonly name: string;
        readonly threshold?: number | undefined;
        readonly [option: string]: unknown;
      }
  )[],
): Record<string, number> {
  const lines: Record<string, number> = {};
  for (const entry of metrics) {
    const name = typeof entry === 'string' ? entry : entry.name;
    const configured = (
      loaded.config.metrics as Record<string, { threshold?: number }> | undefined
    )?.[name]?.threshold;
    const line = (typeof entry === 'string' ? undefined : entry.threshold) ?? configured;
    if (line !== undefined) lines[name] = line;
  }
  return lines;
}

function looksLikePath(text: string): boolean {
  return /[\\/]/.test(text) || /\.(ya?ml|json)$/i.test(text);
}

/**
 * The system under test of a dataset: its own `datasets.<name>.sut`, else the config's `sut`.
 * Without a dataset name, the config's.
 */
export function sutConfigOf(loaded: LoadedConfig, dataset?: string): SutConfig | undefined {
  return (
    (dataset === undefined ? undefined : loaded.config.datasets?.[dataset]?.sut) ??
    loaded.config.sut
  );
}

/**
 * The runner name jobs carry for a dataset's SUT: `sut` for the config's, `dataset.<name>` for a
 * dataset's own (the name hex-encoded when it has characters a runner name cannot hold). A
 * worker looks the name up in its own config; it never imports anything a job names.
 */
export function runnerNameOf(loaded: LoadedConfig, dataset: string): string {
  if (loaded.config.datasets?.[dataset]?.sut === undefined) return CONFIG_SUT_RUNNER;
  return /^[A-Za-z0-9_.-]+$/.test(dataset)
    ? `dataset.${dataset}`
    : `dataset-x${Buffer.from(dataset, 'utf8').toString('hex')}`;
}

/**
 * What a worker says it runs, per runner name: its version and the fingerprint of that SUT in
 * its own config, so a job queued for another SUT (or by other code) is refused. Computed once
 * per runner name (a module SUT's fingerprint reads the file), not once per job.
 */
export function workerIdentities(
  loaded: LoadedConfig,
): (runner: string) => Promise<ProducerIdentity> {
  const known = new Map<string, Promise<ProducerIdentity>>();
  return (runner) => {
    let identity = known.get(runner);
    if (identity === undefined) {
      identity = sutFingerprint(loaded, datasetOfRunner(runner)).then(producerIdentity);
      known.set(runner, identity);
    }
    return identity;
  };
}

/** The dataset a runner name stands for, or undefined for the config's SUT. */
function datasetOfRunner(name: string): string | undefined {
  if (name.startsWith('dataset.')) return name.slice('dataset.'.length);
  if (name.startsWith('dataset-x'))
    return Buffer.from(name.slice('dataset-x'.length), 'hex').toString('utf8');
  return undefined;
}

/** The http SUT's default retries: its failures are often a busy server; code SUTs get none. */
const DEFAULT_HTTP_SUT_RETRIES = 2;

/**
 * How each SUT call of a run is bounded: `--sut-timeout` / `--sut-retries`, else the config's
 * `sut.timeoutSeconds` / `sut.retries` (unless `--sut` replaces that SUT), else 300 s and no
 * retries (2 for an http SUT).
 */
export function sutCallPolicy(
  loaded: LoadedConfig,
  flags: {
    readonly sutModule?: string | undefined;
    readonly timeoutSeconds?: number | undefined;
    readonly retries?: number | undefined;
  },
  dataset?: string,
): SutCallPolicy {
  const sut = flags.sutModule === undefined ? sutConfigOf(loaded, dataset) : undefined;
  return {
    timeoutSeconds: flags.timeoutSeconds ?? sut?.timeoutSeconds ?? DEFAULT_SUT_TIMEOUT_SECONDS,
    retries: flags.retries ?? sut?.retries ?? (sut?.type === 'http' ? DEFAULT_HTTP_SUT_RETRIES : 0),
  };
}

/** The runner for a run: `--sut <module>` (cwd-relative) wins over the config's `sut`. */
export async function resolveRunner(
  loaded: LoadedConfig,
  sutFlag: string | undefined,
  cwd: string,
  cache?: ResponseCache,
  dataset?: string,
): Promise<SampleRunner> {
  if (sutFlag !== undefined) {
    if (sutFlag.trim() === '')
      throw new UsageError('The --sut option requires a non-empty module path.');
    return loadModuleRunner({ path: resolve(cwd, sutFlag), source: '--sut' });
  }
  const sut = sutConfigOf(loaded, dataset);
  if (sut === undefined) {
    throw new UsageError(
      'No system under test: set sut in the config file (or datasets.<name>.sut), pass --sut <module>, or pass --outputs <file> to score saved outputs.',
      { code: 'E_NO_SUT' },
    );
  }
  return buildConfigRunner(loaded, sut, cache);
}

/**
 * Resolves runner names for queue workers from the process's own config: `sut` is the config's
 * `sut` entry. A name that arrives in job data is only ever looked up here, never imported.
 */
export function createConfigRunnerResolver(
  loaded: LoadedConfig,
  cache?: ResponseCache,
): (name: string) => Promise<SampleRunner | undefined> {
  const runners = new Map<string, Promise<SampleRunner>>();
  return async (name) => {
    const dataset = datasetOfRunner(name);
    if (name !== CONFIG_SUT_RUNNER && dataset === undefined) return undefined;
    const sut = dataset === undefined ? loaded.config.sut : loaded.config.datasets?.[dataset]?.sut;
    if (sut === undefined) return undefined;
    let runner = runners.get(name);
    if (runner === undefined) {
      runner = buildConfigRunner(loaded, sut, cache);
      runners.set(name, runner);
    }
    return runner;
  };
}

/**
 * Build the runner a config `sut` entry describes: module, http or command. Only an http SUT
 * with `cache: true` uses the response cache: module and command SUTs are the user's own code,
 * always run.
 */
export async function buildConfigRunner(
  loaded: LoadedConfig,
  sut: SutConfig,
  cache?: ResponseCache,
): Promise<SampleRunner> {
  const where = `sut in ${loaded.path ?? 'the config'}`;
  switch (sut.type) {
    case 'module':
      return loadModuleRunner({
        path: resolve(loaded.dir, sut.path),
        exportName: sut.export ?? 'default',
        source: `sut.path in ${loaded.path ?? 'the config'}`,
      });
    case 'http': {
      const apiKey = sut.apiKeyEnv === undefined ? undefined : loaded.env[sut.apiKeyEnv];
      if (sut.apiKeyEnv !== undefined && (apiKey === undefined || apiKey === '')) {
        throw new ConfigError(
          `${where}: the environment variable ${sut.apiKeyEnv} (apiKeyEnv) is not set.`,
        );
      }
      // Cached SUT answers hide a fixed (or broken) service: only when the config asks.
      return createHttpRunner(
        { ...sut, flavor: sut.flavor ?? 'openai-chat', apiKey },
        sut.cache === true ? cache : undefined,
      );
    }
    case 'command':
      return createCommandRunner({
        command: sut.command,
        cwd: resolve(loaded.dir, sut.cwd ?? '.'),
        env: sut.env,
        timeoutSeconds: sut.timeoutSeconds,
      });
  }
}

/** The metric registry with the configured judge and embeddings clients. */
export function createMetricRegistry(loaded: LoadedConfig, cache?: ResponseCache): MetricRegistry {
  const retry = {
    retryAttempts: loaded.runtime.providerRetryAttempts,
    retrySleepMs: loaded.runtime.providerRetrySleepMs,
    cache,
  };
  const { judge, embeddings } = loaded.providers;
  return new MetricRegistry({
    judge: createJudgeClient({
      ...retry,
      endpoint: judge.endpoint,
      model: judge.model,
      apiKey: judge.apiKey,
      timeoutSeconds: judge.timeoutSeconds,
    }),
    embeddings: createEmbeddingsClient({
      ...retry,
      endpoint: embeddings.endpoint,
      model: embeddings.model,
      apiKey: embeddings.apiKey,
      timeoutSeconds: embeddings.timeoutSeconds,
    }),
    ...(judge.promptTemplate === undefined ? {} : { judgePromptTemplate: judge.promptTemplate }),
    ...(judge.votes === undefined ? {} : { judgeVotes: judge.votes }),
    prices: loaded.config.costs ?? {},
    ...(loaded.config.metrics?.retrieval?.defaultK === undefined
      ? {}
      : { retrievalDefaultK: loaded.config.metrics.retrieval.defaultK }),
  });
}

/**
 * The providers a dataset's metrics score with (judge, embeddings), each with its model and a
 * 12-character fingerprint of the model and the prompts that decide its scores. Reports carry it
 * so that `compare` and `--baseline` can warn when two runs were judged differently.
 */
export function scoringProviders(
  loaded: LoadedConfig,
  dataset: GoldenDataset,
): Record<string, ScoringProvider> {
  // The dataset's metrics and the metrics of its samples' own checks both score with providers.
  const metrics: Metric[] = [...dataset.metrics, ...dataset.assertionMetrics.values()];
  const used = new Set(
    metrics.flatMap((metric) => {
      const provider = PROVIDER_OF_METRIC[metric.name];
      return provider === undefined ? [] : [provider];
    }),
  );
  const out: Record<string, ScoringProvider> = {};
  for (const provider of ['judge', 'embeddings'] as const) {
    if (!used.has(provider)) continue;
    const settings = loaded.providers[provider];
    const model = settings.model ?? null;
    const decides = {
      model,
      ...(provider === 'judge' ? judgeDecides(loaded, metrics) : {}),
    };
    out[provider] = {
      model,
      fingerprint: createHash('sha256').update(canonicalJson(decides)).digest('hex').slice(0, 12),
    };
  }
  return out;
}

/**
 * What decides a judge's scores besides its model: the prompts of the judged metrics in use and,
 * when a metric asks more than once, its votes (a mean of three is not a single grade). A dataset
 * that asks once per sample keeps the fingerprint it had before votes existed.
 */
function judgeDecides(loaded: LoadedConfig, metrics: readonly Metric[]): Record<string, unknown> {
  const names = [...new Set(metrics.map((metric) => metric.name))];
  const votes = Object.fromEntries(
    metrics.flatMap((metric) => {
      const asked = (metric as { readonly votes?: unknown }).votes;
      return PROVIDER_OF_METRIC[metric.name] === 'judge' && typeof asked === 'number' && asked > 1
        ? [[metric.name, asked]]
        : [];
    }),
  );
  return {
    prompts: judgePrompts(loaded.providers.judge.promptTemplate, names),
    ...(Object.keys(votes).length === 0 ? {} : { votes }),
  };
}

/**
 * A short fingerprint of the config's SUT: its definition and, for a module SUT, the module
 * file's bytes. Producer and workers compute it from their own config, so a worker fleet that was
 * not redeployed is found on its first job. Null when the config has no SUT. Only a hash leaves
 * the process: never a secret or a path.
 */
export async function sutFingerprint(
  loaded: LoadedConfig,
  dataset?: string,
): Promise<string | null> {
  const sut = sutConfigOf(loaded, dataset);
  if (sut === undefined) return null;
  const hash = createHash('sha256').update(canonicalJson(sut));
  if (sut.type === 'module') {
    // A module that cannot be read is reported when it is loaded; its fingerprint says so.
    const bytes = await readFile(resolve(loaded.dir, sut.path)).catch(() => undefined);
    hash.update(bytes ?? 'missing module');
  }
  return hash.digest('hex').slice(0, 12);
}

/** JSON with object keys sorted, so the same definition always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The Redis a run or worker uses: `--redis-url` when given, else the config's; with its source. */
export function redisOf(
  flag: RedisTarget | undefined,
  loaded: LoadedConfig,
): { readonly redis: RedisTarget; readonly redisSource: string } {
  return flag === undefined
    ? { redis: loaded.redis.target, redisSource: loaded.redis.source }
    : { redis: flag, redisSource: '--redis-url' };
}

/** The eval set the config defines under `evalSets`; an unknown name lists the known ones. */
export function configEvalSet(loaded: LoadedConfig, setName: string): EvalSetDefinition {
  const sets = loaded.config.evalSets ?? {};
  const datasets = sets[setName];
  if (datasets === undefined) {
    const known = Object.keys(sets);
    throw new UsageError(
      `Eval set '${setName}' is not defined in ${loaded.path ?? 'the config'}${known.length > 0 ? `; eval sets: ${known.join(', ')}` : '; add it under evalSets: { <name>: [datasets] }'}.`,
    );
  }
  return createEvalSet(setName, datasets);
}
