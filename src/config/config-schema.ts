import * as z from 'zod';
import type { BatchProfileOverride } from '../batches/index.js';
import { strictObject } from './strict-object.js';

const nonEmpty = z.string().min(1, 'must be a non-empty string');
const nonNegativeInt = z.number().int('must be a whole number').min(0, 'must be 0 or more');

/** A pass line: the score at or above which a metric passes. */
const passLine = z.number().min(0, 'must be from 0 to 1').max(1, 'must be from 0 to 1');

/** Every SUT kind: each call's timeout in seconds (per attempt) and how often a failed call is retried. */
const sutCallFields = {
  timeoutSeconds: z.number().positive('must be a positive number of seconds').optional(),
  retries: nonNegativeInt.max(20, 'must be 20 or fewer').optional(),
};

/** `sut` of type `module`: a file whose named export is the runner. */
export const ModuleSutSchema = strictObject({
  type: z.literal('module'),
  path: nonEmpty,
  export: nonEmpty.optional(),
  ...sutCallFields,
});

/**
 * `sut` of type `http`: `openai-chat` (default) posts a chat completion built from a prompt
 * template; `json` posts a body template and reads the output at a dotted path.
 */
export const HttpSutSchema = strictObject({
  type: z.literal('http'),
  flavor: z.enum(['openai-chat', 'json']).optional(),
  endpoint: nonEmpty,
  model: nonEmpty.optional(),
  apiKeyEnv: nonEmpty.optional(),
  system: z.string().optional(),
  promptTemplate: nonEmpty.optional(),
  method: z.enum(['POST', 'PUT']).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
  outputPath: nonEmpty.optional(),
  /** json flavor: dotted paths to the retrieved documents and the tool steps in the response. */
  retrievedPath: nonEmpty.optional(),
  trajectoryPath: nonEmpty.optional(),
  ...sutCallFields,
  /** Answer repeated requests from the response cache; off so a changed service is seen. */
  cache: z.boolean().optional(),
}).superRefine((sut, ctx) => {
  const need = (field: keyof typeof sut, why: string) => {
    if (sut[field] === undefined)
      ctx.addIssue({ code: 'custom', path: [field], message: `is required ${why}` });
  };
  if ((sut.flavor ?? 'openai-chat') === 'openai-chat') {
    for (const field of ['retrievedPath', 'trajectoryPath'] as const)
      if (sut[field] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: 'is for the json flavor (set flavor: json with a body and an outputPath)',
        });
    need('model', 'for the openai-chat flavor');
    need('promptTemplate', 'for the openai-chat flavor (e.g. "{question}")');
  } else {
    need('body', 'for the json flavor (a JSON template; "{field}" takes the input field)');
    need('outputPath', 'for the json flavor (a dotted path into the response, e.g. "data.answer")');
  }
});

/** `sut` of type `command`: a program run per sample, invocation JSON on stdin, output on stdout. */
export const CommandSutSchema = strictObject({
  type: z.literal('command'),
  command: z.array(nonEmpty).min(1, 'must name the program and its arguments'),
  cwd: nonEmpty.optional(),
  env: z.record(z.string(), z.string()).optional(),
  ...sutCallFields,
});

export const SutSchema = z.discriminatedUnion('type', [
  ModuleSutSchema,
  HttpSutSchema,
  CommandSutSchema,
]);

/**
 * A dataset's metric: a name, or a name with its pass line for this dataset and the metric's
 * options beside them (`{ name: is-json, schema: ./answer.schema.json }`). The metric checks its
 * options when the run opens, so a misspelt key is still refused, by the metric that knows its
 * options.
 */
export const DatasetMetricSchema = z.union([
  nonEmpty,
  z.looseObject({ name: nonEmpty, threshold: passLine.optional() }),
]);

/** `datasets.<name>`: a dataset file (path relative to the config file) and its metrics. */
export const DatasetEntrySchema = strictObject({
  path: nonEmpty,
  metrics: z.array(DatasetMetricSchema).min(1, 'must list at least one metric').optional(),
  /** This dataset's own system under test, instead of the top-level `sut`. */
  sut: SutSchema.optional(),
  /** How many times each sample runs (`--repeat` wins). */
  repeat: z.number().int('must be a whole number').min(1, 'must be 1 or more').optional(),
});

/**
 * `metrics.<name>`: a custom metric module (the export is a Metric or a factory returning one)
 * with an optional pass line, or only a pass line for a built-in metric.
 */
export const CustomMetricSchema = strictObject({
  path: nonEmpty.optional(),
  export: nonEmpty.optional(),
  threshold: passLine.optional(),
}).superRefine((entry, ctx) => {
  if (entry.path === undefined && entry.threshold === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['path'],
      message:
        'is required: a custom metric module (path, export), or a threshold for a built-in metric',
    });
  else if (entry.path === undefined && entry.export !== undefined)
    ctx.addIssue({ code: 'custom', path: ['path'], message: 'is required with export' });
});

/** How users write a `metrics.<name>` entry: a module with an optional pass line, or only a pass line. */
type MetricEntryInput =
  { path: string; export?: string; threshold?: number } | { threshold: number };

/** `metrics.retrieval`: settings of the built-in retrieval metrics. */
export const RetrievalSettingsSchema = strictObject({
  defaultK: z.number().int('must be a whole number').min(1, 'must be 1 or more').optional(),
});

export const RuntimeSchema = strictObject({
  raiseExceptions: z.boolean().optional(),
  providerRetryAttempts: nonNegativeInt.optional(),
  providerRetrySleepMs: nonNegativeInt.optional(),
  metricConcurrency: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be 1 or more')
    .optional(),
});

/** Config-level lazy-parallel defaults: the result TTL floor (F) and the per-window wait (W). */
export const LazyParallelSchema = strictObject({
  resultTtlSeconds: z.number().int('must be a whole number').min(1, 'must be 1 or more').optional(),
  waitTimeoutSeconds: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be 1 or more')
    .optional(),
});

/**
 * `batches.profiles` is checked by the profile resolver, which names the profile and field and
 * normalises numeric strings; `null` must stay distinguishable from absent. The schema only
 * gives it its type, so `defineConfig` type-checks profiles.
 */
export const BatchesSchema = strictObject({
  profiles: z.custom<Readonly<Record<string, BatchProfileOverride>>>(() => true).optional(),
  lazyParallel: LazyParallelSchema.optional(),
});

/** `progress.reporter`: a module whose export receives checkpoint and terminal events. */
export const ProgressSchema = strictObject({
  reporter: strictObject({ path: nonEmpty, export: nonEmpty.optional() }).optional(),
});

/** Redis for lazy-parallel runs and workers. */
export const RedisSchema = strictObject({
  url: nonEmpty.optional(),
  /** A Redis Cluster: the URLs of one or more of its nodes (the client finds the rest). */
  cluster: z.array(nonEmpty).min(1, 'must list at least one node URL').optional(),
  /** Prefix of every key; a `{...}` hash tag keeps a batch on one Redis Cluster slot. */
  prefix: nonEmpty.optional(),
}).superRefine((redis, ctx) => {
  if (redis.url !== undefined && redis.cluster !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['cluster'],
      message: 'set either redis.url (one server) or redis.cluster (node URLs), not both',
    });
});

const usdPerMillion = z.number().min(0, 'must be 0 or more');

/** `costs.<model>`: USD per million input and output tokens. */
export const ModelPriceSchema = strictObject({
  inputPerMillion: usdPerMillion,
  outputPerMillion: usdPerMillion,
});

/** One OpenAI-compatible provider; the API key is only ever read from the named env variable. */
export const ProviderSchema = strictObject({
  endpoint: nonEmpty.optional(),
  model: nonEmpty.optional(),
  apiKeyEnv: nonEmpty.optional(),
  timeoutSeconds: z.number().int('must be a whole number').min(1, 'must be 1 or more').optional(),
  promptTemplate: nonEmpty.optional(),
  /** How often each judged metric asks the judge per sample; the score is the votes' mean. */
  votes: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be 1 or more')
    .max(10, 'must be 10 or fewer')
    .optional(),
});

export const ProvidersSchema = strictObject({
  judge: ProviderSchema.optional(),
  embeddings: ProviderSchema.omit({ promptTemplate: true, votes: true }).strict().optional(),
});

/** The whole config file. Strict at every level: an unknown key fails with its path. */
export const ConfigSchema = strictObject({
  datasets: z.record(nonEmpty, DatasetEntrySchema).optional(),
  sut: SutSchema.optional(),
  /** Custom metrics by name; `retrieval` holds the retrieval metrics' settings instead. */
  metrics: z
    .object({ retrieval: RetrievalSettingsSchema.optional() })
    .catchall(CustomMetricSchema)
    .optional(),
  runtime: RuntimeSchema.optional(),
  batches: BatchesSchema.optional(),
  progress: ProgressSchema.optional(),
  redis: RedisSchema.optional(),
  providers: ProvidersSchema.optional(),
  /** The price book: USD per million tokens by model name, applied to reported usage. */
  costs: z.record(nonEmpty, ModelPriceSchema).optional(),
  /** Named, ordered lists of config datasets: `run --eval-set <name>`. Checked at load. */
  evalSets: z.record(z.string(), z.array(z.string())).optional(),
});

/**
 * What users write (all optional). `metrics` is typed by hand: TypeScript cannot say "every key
 * is a custom metric except `retrieval`", so a name maps to either shape and the schema checks
 * which one each key holds.
 */
export type EvalHarnessConfig = Omit<z.input<typeof ConfigSchema>, 'metrics'> & {
  metrics?: { retrieval?: z.input<typeof RetrievalSettingsSchema> } & Record<
    string,
    MetricEntryInput | z.input<typeof RetrievalSettingsSchema>
  >;
};
export type ParsedConfig = z.output<typeof ConfigSchema>;
export type SutConfig = z.output<typeof SutSchema>;

/** Identity function that gives a config file type checking and completion. */
export function defineConfig(config: EvalHarnessConfig): EvalHarnessConfig {
  return config;
}
