import * as z from 'zod';
import { MetricSpecError } from '../errors.js';
import type { PriceBook } from '../price-book.js';
import { debugType } from '../values.js';
import { assertionMetrics, optionedAssertionMetrics } from './assertions.js';
import { CitationGroundednessMetric } from './citation-groundedness.js';
import { ContainsMetric } from './contains.js';
import { ExactMatchMetric } from './exact-match.js';
import { isMetric, type Metric } from './metric.js';
import {
  hasOptions,
  parseMetricOptions,
  type MetricContext,
  type MetricEntry,
  type MetricOptions,
} from './metric-options.js';
import { judgedMetricFactories } from './judged-metrics.js';
import {
  BertScoreLikeMetric,
  CosineEmbeddingMetric,
  PROVIDER_OF_METRIC,
} from './provider-metrics.js';
import type { EmbeddingsClient, JudgeClient } from '../providers/index.js';
import { RegexMetric } from './regex.js';
import { retrievalMetricFactories } from './retrieval.js';
import { trajectoryMetrics } from './trajectory.js';
import { RougeLMetric } from './rouge-l.js';
import { suggestKey } from '../suggest.js';

/**
 * Creates a fresh metric for each resolution, with the options written beside its name (an empty
 * object when none) and the folder relative paths in them are read from.
 */
export type MetricFactory = (options: MetricOptions, context: MetricContext) => unknown;

/**
 * The built-in metrics that need no provider and take no options; the provider-backed ones and
 * the ones with options are added by alias too.
 */
export const builtinMetrics = {
  'exact-match': () => new ExactMatchMetric(),
  contains: () => new ContainsMetric(),
  regex: () => new RegexMetric(),
  'rouge-l': () => new RougeLMetric(),
  'citation-groundedness': () => new CitationGroundednessMetric(),
  ...trajectoryMetrics,
  ...assertionMetrics,
} satisfies Record<string, () => Metric>;

export type BuiltinMetricName = keyof typeof builtinMetrics;

/** The provider-backed built-ins; available once a judge or embeddings client is configured. */
const PROVIDER_METRICS: readonly string[] = Object.keys(PROVIDER_OF_METRIC);

/** A metric spec: a Metric, a registered / built-in name, or a name with its options. */
export type MetricSpec = Metric | string | MetricEntry;

export interface MetricProviders {
  /** The shared judge client of the judged metrics (llm-as-judge, refusal-quality, the RAG ones). */
  readonly judge?: JudgeClient;
  /** The shared embeddings client of cosine-embedding and bertscore-like. */
  readonly embeddings?: EmbeddingsClient;
  /** Overrides the llm-as-judge prompt (placeholders {question}, {expected}, {actual}). */
  readonly judgePromptTemplate?: string;
  /** How often each judged metric asks the judge per sample, unless its entry says. @defaultValue 1 */
  readonly judgeVotes?: number;
  /** k of the retrieval metrics when a sample sets no `metadata.k`. @defaultValue 5 */
  readonly retrievalDefaultK?: number;
  /** The price book the `cost` metric prices a SUT answer's tokens with (`costs:`). */
  readonly prices?: PriceBook;
}

/**
 * Resolves metric specs. User registrations win over built-ins, so a team can replace
 * `exact-match` with its own normalising variant.
 */
export class MetricRegistry {
  private readonly registered = new Map<string, MetricFactory>();
  private readonly providerMetrics = new Map<string, MetricFactory>();
  /** Built-ins that take settings or options (retrieval k, schemas, limits). */
  private readonly configured: ReadonlyMap<string, MetricFactory>;

  constructor(providers: MetricProviders = {}) {
    const { judge, embeddings } = providers;
    this.configured = new Map<string, MetricFactory>([
      ...Object.entries(retrievalMetricFactories(providers.retrievalDefaultK)).map(
        ([name, make]): [string, MetricFactory] => [name, plain(name, make)],
      ),
      ...Object.entries(optionedAssertionMetrics(providers.prices ?? {})),
    ]);
    if (embeddings !== undefined) {
      this.providerMetrics.set(
        'cosine-embedding',
        plain('cosine-embedding', () => new CosineEmbeddingMetric(embeddings)),
      );
      this.providerMetrics.set(
        'bertscore-like',
        plain('bertscore-like', () => new BertScoreLikeMetric(embeddings)),
      );
    }
    if (judge !== undefined)
      for (const [name, factory] of Object.entries(
        judgedMetricFactories(judge, {
          votes: providers.judgeVotes ?? 1,
          ...(providers.judgePromptTemplate === undefined
            ? {}
            : { template: providers.judgePromptTemplate }),
        }),
      ))
        this.providerMetrics.set(name, factory);
  }

  register(name: string, factory: MetricFactory): this {
    if (name === '')
      throw new MetricSpecError('A metric must be registered under a non-empty name.');
    this.registered.set(name, factory);
    return this;
  }

  has(name: string): boolean {
    return (
      this.registered.has(name) ||
      this.providerMetrics.has(name) ||
      this.configured.has(name) ||
      Object.hasOwn(builtinMetrics, name)
    );
  }

  /** Every name that resolves: built-ins first, then registrations. */
  names(): string[] {
    const names = [
      ...Object.keys(builtinMetrics),
      ...this.configured.keys(),
      ...this.providerMetrics.keys(),
    ];
    for (const name of this.registered.keys()) if (!names.includes(name)) names.push(name);
    return names;
  }

  resolve(spec: unknown): Metric {
    if (isMetric(spec)) return spec;
    const entry = entryOf(spec);
    const { name } = entry;
    const factory =
      this.registered.get(name) ??
      this.providerMetrics.get(name) ??
      this.configured.get(name) ??
      (Object.hasOwn(builtinMetrics, name)
        ? plain(name, builtinMetrics[name as BuiltinMetricName])
        : undefined);
    if (factory === undefined && PROVIDER_METRICS.includes(name)) {
      const embeddingsMetric = PROVIDER_OF_METRIC[name] === 'embeddings';
      throw new MetricSpecError(
        `Metric '${name}' needs ${embeddingsMetric ? 'an embeddings' : 'an LLM judge'} provider: set providers.${embeddingsMetric ? 'embeddings' : 'judge'} in the config (or the EVAL_HARNESS_* / OPENAI_API_KEY variables), register your own '${name}' under metrics:, or pass another --metric.`,
        { code: 'E_UNKNOWN_METRIC' },
      );
    }
    if (factory === undefined) {
      const suggestion = suggestKey(name, this.names());
      throw new MetricSpecError(
        `Metric '${name}' does not exist: it is neither built in nor registered${suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`}. Known metrics: ${this.names().join(', ')}.`,
        { code: 'E_UNKNOWN_METRIC' },
      );
    }
    const metric = factory(entry.options ?? {}, { baseDir: entry.baseDir ?? process.cwd() });
    if (!isMetric(metric)) {
      throw new MetricSpecError(
        `Metric '${name}' resolves to '${debugType(metric)}' which does not implement Metric (it needs a string name and a score(sample, actualOutput) function).`,
      );
    }
    return metric;
  }
}

/** A spec as a name with options, or the error that says what a spec may be. */
function entryOf(spec: unknown): MetricEntry {
  if (typeof spec === 'string' && spec !== '') return { name: spec };
  if (
    spec !== null &&
    typeof spec === 'object' &&
    typeof (spec as MetricEntry).name === 'string' &&
    (spec as MetricEntry).name !== ''
  )
    return spec as MetricEntry;
  throw new MetricSpecError(
    `Metric spec must be a Metric instance, an alias string or { name, options }; got ${debugType(spec)}.`,
  );
}

/** A built-in that takes no options: any option given to it is refused, naming it. */
function plain(name: string, make: () => Metric): MetricFactory {
  return (options) => {
    if (hasOptions(options)) parseMetricOptions(name, z.strictObject({}), options, []);
    return make();
  };
}
