import { MetricSpecError } from '../errors.js';
import { debugType } from '../values.js';
import { assertionMetrics } from './assertions.js';
import { CitationGroundednessMetric } from './citation-groundedness.js';
import { ContainsMetric } from './contains.js';
import { ExactMatchMetric } from './exact-match.js';
import { isMetric, type Metric } from './metric.js';
import {
  BertScoreLikeMetric,
  CosineEmbeddingMetric,
  LlmAsJudgeMetric,
  RefusalQualityMetric,
} from './provider-metrics.js';
import type { EmbeddingsClient, JudgeClient } from '../providers/index.js';
import { RegexMetric } from './regex.js';
import { retrievalMetricFactories } from './retrieval.js';
import { trajectoryMetrics } from './trajectory.js';
import { RougeLMetric } from './rouge-l.js';
import { suggestKey } from '../suggest.js';

/** Creates a fresh metric for each resolution. */
export type MetricFactory = () => unknown;

/** The built-in metrics that need no provider; the provider-backed ones are added by alias too. */
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
const PROVIDER_METRICS: readonly string[] = [
  'cosine-embedding',
  'bertscore-like',
  'llm-as-judge',
  'refusal-quality',
];

/** A metric spec: a Metric, or a registered / built-in name. */
export type MetricSpec = Metric | string;

/**
 * Resolves metric specs. User registrations win over built-ins, so a
 * team can replace `exact-match` with its own normalising variant.
 */
export interface MetricProviders {
  /** The shared judge client of llm-as-judge and refusal-quality. */
  readonly judge?: JudgeClient;
  /** The shared embeddings client of cosine-embedding and bertscore-like. */
  readonly embeddings?: EmbeddingsClient;
  /** Overrides the llm-as-judge prompt (placeholders {question}, {expected}, {actual}). */
  readonly judgePromptTemplate?: string;
  /** k of the retrieval metrics when a sample sets no `metadata.k`. @defaultValue 5 */
  readonly retrievalDefaultK?: number;
}

export class MetricRegistry {
  private readonly registered = new Map<string, MetricFactory>();
  private readonly providerMetrics = new Map<string, MetricFactory>();
  /** Built-ins that take settings (the retrieval metrics' default k). */
  private readonly configured: ReadonlyMap<string, MetricFactory>;

  constructor(providers: MetricProviders = {}) {
    const { judge, embeddings } = providers;
    this.configured = new Map(
      Object.entries(retrievalMetricFactories(providers.retrievalDefaultK)),
    );
    if (embeddings !== undefined) {
      this.providerMetrics.set('cosine-embedding', () => new CosineEmbeddingMetric(embeddings));
      this.providerMetrics.set('bertscore-like', () => new BertScoreLikeMetric(embeddings));
    }
    if (judge !== undefined) {
      this.providerMetrics.set(
        'llm-as-judge',
        () => new LlmAsJudgeMetric(judge, providers.judgePromptTemplate),
      );
      this.providerMetrics.set('refusal-quality', () => new RefusalQualityMetric(judge));
    }
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
    if (typeof spec !== 'string' || spec === '') {
      throw new MetricSpecError(
        `Metric spec must be a Metric instance, FQCN, or alias string; got ${debugType(spec)}.`,
      );
    }
    const factory =
      this.registered.get(spec) ??
      this.providerMetrics.get(spec) ??
      this.configured.get(spec) ??
      (Object.hasOwn(builtinMetrics, spec) ? builtinMetrics[spec as BuiltinMetricName] : undefined);
    if (factory === undefined && PROVIDER_METRICS.includes(spec)) {
      throw new MetricSpecError(
        `Metric '${spec}' needs ${spec.includes('embedding') || spec.startsWith('bert') ? 'an embeddings' : 'an LLM judge'} provider: set providers.${spec.includes('embedding') || spec.startsWith('bert') ? 'embeddings' : 'judge'} in the config (or the EVAL_HARNESS_* / OPENAI_API_KEY variables), register your own '${spec}' under metrics:, or pass another --metric.`,
        { code: 'E_UNKNOWN_METRIC' },
      );
    }
    if (factory === undefined) {
      const suggestion = suggestKey(spec, this.names());
      throw new MetricSpecError(
        `Metric '${spec}' does not exist: it is neither built in nor registered${suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`}. Known metrics: ${this.names().join(', ')}.`,
        { code: 'E_UNKNOWN_METRIC' },
      );
    }
    const metric = factory();
    if (!isMetric(metric)) {
      throw new MetricSpecError(
        `Metric '${spec}' resolves to '${debugType(metric)}' which does not implement Metric (it needs a string name and a score(sample, actualOutput) function).`,
      );
    }
    return metric;
  }
}
