import type { DatasetSample } from '../datasets/index.js';
import { MetricError } from '../errors.js';
import type { RetrievedItem, SutAnswer } from '../sut/index.js';
import { debugType, isPlainObject } from '../values.js';
import { createMetricScore, type Metric, type MetricScore } from './metric.js';

/** k when neither the sample (`metadata.k`) nor the config (`metrics.retrieval.defaultK`) says. */
export const DEFAULT_RETRIEVAL_K = 5;

/** A retrieved item at its position in the list the SUT returned. */
interface RankedItem extends RetrievedItem {
  readonly rank: number;
}

/**
 * What a retrieval metric scores against: the retrieved list (duplicates dropped, each id at its
 * best rank), the relevant ids with their gains, and k.
 */
interface RetrievalInputs {
  readonly retrieved: readonly RankedItem[];
  readonly k: number;
}

const fail = (sample: DatasetSample, metric: string, what: string): never => {
  throw new MetricError(`Sample '${sample.id}' ${what} for ${metric} metric.`);
};

/**
 * The retrieved list from the output: a JSON list of ids or `{ id, text? }` items, or an object
 * whose `retrieved` is such a list. A repeated id keeps its best (first) rank; the repeat is
 * dropped without moving later items up, since it took a slot of the top k.
 */
export function retrievedFromOutput(
  sample: DatasetSample,
  output: string,
  metric: string,
): RankedItem[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch {
    return fail(
      sample,
      metric,
      'output must be JSON: a list of retrieved ids, or {"retrieved": [...]}',
    );
  }
  const list = isPlainObject(parsed) ? parsed['retrieved'] : parsed;
  if (!Array.isArray(list))
    fail(
      sample,
      metric,
      `output must be a JSON list of retrieved ids, or {"retrieved": [...]}; got ${debugType(list)}`,
    );
  return ranked(
    (list as unknown[]).map((entry, index) => {
      const item = toItem(entry);
      if (item === undefined)
        fail(
          sample,
          metric,
          `retrieved item at rank ${index + 1} must be a non-empty id or {"id": ..., "text"?: ...}; got ${debugType(entry)}`,
        );
      return item as RetrievedItem;
    }),
  );
}

/** Items with their ranks; a repeated id keeps its first rank and the repeat is dropped. */
function ranked(items: readonly RetrievedItem[]): RankedItem[] {
  const seen = new Set<string>();
  const result: RankedItem[] = [];
  items.forEach((item, index) => {
    if (seen.has(item.id)) return;
    seen.add(item.id);
    result.push({ ...item, rank: index + 1 });
  });
  return result;
}

function toItem(entry: unknown): RetrievedItem | undefined {
  if (typeof entry === 'string') return entry === '' ? undefined : { id: entry };
  if (!isPlainObject(entry) || typeof entry['id'] !== 'string' || entry['id'] === '')
    return undefined;
  const text = entry['text'];
  if (text !== undefined && typeof text !== 'string') return undefined;
  return text === undefined ? { id: entry['id'] } : { id: entry['id'], text };
}

/**
 * Relevant ids and their gains: `metadata.relevant`, else `expected_output`, each a list of ids
 * (gain 1) or a map id → gain (a number >= 0), or that as JSON text. Ids with gain 0 are not
 * relevant.
 */
export function relevanceOf(sample: DatasetSample, metric: string): Map<string, number> {
  const fromMetadata = 'relevant' in sample.metadata;
  const where = fromMetadata ? 'metadata.relevant' : 'expected_output';
  let value: unknown = fromMetadata ? sample.metadata['relevant'] : sample.expectedOutput;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      fail(sample, metric, `${where} must be a list of relevant ids or a map of id to gain`);
    }
  }
  const gains = new Map<string, number>();
  if (Array.isArray(value)) {
    for (const id of value) {
      if (typeof id !== 'string' || id === '')
        fail(sample, metric, `${where} must list non-empty ids; got ${debugType(id)}`);
      gains.set(id as string, 1);
    }
  } else if (isPlainObject(value)) {
    for (const [id, gain] of Object.entries(value)) {
      if (typeof gain !== 'number' || !Number.isFinite(gain) || gain < 0)
        fail(
          sample,
          metric,
          `${where} gain of '${id}' must be a number >= 0; got ${debugType(gain)}`,
        );
      if ((gain as number) > 0) gains.set(id, gain as number);
    }
  } else {
    fail(
      sample,
      metric,
      `${where} must be a list of relevant ids or a map of id to gain; got ${debugType(value)}`,
    );
  }
  return gains;
}

/** `metadata.k` when the sample sets it (a positive integer), else the metric's default. */
export function kOf(sample: DatasetSample, metric: string, defaultK: number): number {
  if (!('k' in sample.metadata)) return defaultK;
  const k = sample.metadata['k'];
  if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1)
    fail(sample, metric, `metadata.k must be a positive integer; got ${debugType(k)}`);
  return k as number;
}

abstract class RetrievalMetric implements Metric {
  abstract readonly name: string;

  constructor(protected readonly defaultK: number = DEFAULT_RETRIEVAL_K) {}

  score(sample: DatasetSample, actualOutput: string, answer?: SutAnswer): MetricScore {
    const inputs: RetrievalInputs = {
      retrieved:
        answer?.retrieved === undefined
          ? retrievedFromOutput(sample, actualOutput, this.name)
          : ranked(answer.retrieved),
      k: kOf(sample, this.name, this.defaultK),
    };
    return this.scoreRetrieval(sample, inputs);
  }

  protected relevant(sample: DatasetSample, needSome: boolean): Map<string, number> {
    const gains = relevanceOf(sample, this.name);
    if (needSome && gains.size === 0) fail(sample, this.name, 'names no relevant id');
    return gains;
  }

  protected abstract scoreRetrieval(sample: DatasetSample, inputs: RetrievalInputs): MetricScore;
}

/** 1 when any relevant id is among the top k. */
export class RetrievalHitAtKMetric extends RetrievalMetric {
  readonly name = 'retrieval-hit-at-k';

  protected scoreRetrieval(sample: DatasetSample, { retrieved, k }: RetrievalInputs): MetricScore {
    const relevant = this.relevant(sample, true);
    const first = topK(retrieved, k).find((item) => relevant.has(item.id));
    return createMetricScore(first === undefined ? 0 : 1, {
      k,
      first_relevant_rank: first?.rank ?? null,
    });
  }
}

/** |top k ∩ relevant| / |relevant|. */
export class RetrievalRecallAtKMetric extends RetrievalMetric {
  readonly name = 'retrieval-recall-at-k';

  protected scoreRetrieval(sample: DatasetSample, { retrieved, k }: RetrievalInputs): MetricScore {
    const relevant = this.relevant(sample, true);
    const found = topK(retrieved, k).filter((item) => relevant.has(item.id)).length;
    return createMetricScore(found / relevant.size, { k, found, relevant: relevant.size });
  }
}

/** 1 / rank of the first relevant id over the whole list (k does not apply); 0 when none. */
export class RetrievalMrrMetric extends RetrievalMetric {
  readonly name = 'retrieval-mrr';

  protected scoreRetrieval(sample: DatasetSample, { retrieved }: RetrievalInputs): MetricScore {
    const relevant = this.relevant(sample, true);
    const first = retrieved.find((item) => relevant.has(item.id));
    return createMetricScore(first === undefined ? 0 : 1 / first.rank, {
      first_relevant_rank: first?.rank ?? null,
    });
  }
}

/** DCG@k / IDCG@k with gain / log2(rank + 1); graded gains allowed; 0 when IDCG is 0. */
export class RetrievalNdcgAtKMetric extends RetrievalMetric {
  readonly name = 'retrieval-ndcg-at-k';

  protected scoreRetrieval(sample: DatasetSample, { retrieved, k }: RetrievalInputs): MetricScore {
    const gains = this.relevant(sample, false);
    const discounted = (gain: number, rank: number) => gain / Math.log2(rank + 1);
    const dcg = topK(retrieved, k).reduce(
      (sum, item) => sum + discounted(gains.get(item.id) ?? 0, item.rank),
      0,
    );
    const idcg = [...gains.values()]
      .sort((a, b) => b - a)
      .slice(0, k)
      .reduce((sum, gain, index) => sum + discounted(gain, index + 1), 0);
    const score = idcg === 0 ? 0 : Math.min(1, dcg / idcg);
    return createMetricScore(score, { k, dcg, idcg });
  }
}

const topK = (items: readonly RankedItem[], k: number) => items.filter((item) => item.rank <= k);

const collapse = (text: string) => text.replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * 1 when the expected answer (whitespace collapsed, case ignored) appears in the text of one of
 * the top-k retrieved items: did retrieval surface the answer at all?
 */
export class AnswerContainmentAtKMetric extends RetrievalMetric {
  readonly name = 'answer-containment-at-k';

  protected scoreRetrieval(sample: DatasetSample, { retrieved, k }: RetrievalInputs): MetricScore {
    const expected = sample.expectedOutput;
    if (typeof expected !== 'string' || collapse(expected) === '')
      fail(
        sample,
        this.name,
        `expected_output must be the answer text; got ${debugType(expected)}`,
      );
    const top = topK(retrieved, k);
    if (!top.some((item) => item.text !== undefined))
      fail(
        sample,
        this.name,
        `retrieved items carry no text in the top ${k}; return {"id", "text"} items`,
      );
    const answer = collapse(expected as string);
    const containing = top.find(
      (item) => item.text !== undefined && collapse(item.text).includes(answer),
    );
    return createMetricScore(containing === undefined ? 0 : 1, {
      k,
      containing_rank: containing?.rank ?? null,
    });
  }
}

/** The retrieval metrics by name, each with the configured default k. */
export function retrievalMetricFactories(
  defaultK: number = DEFAULT_RETRIEVAL_K,
): Record<string, () => Metric> {
  return {
    'retrieval-hit-at-k': () => new RetrievalHitAtKMetric(defaultK),
    'retrieval-recall-at-k': () => new RetrievalRecallAtKMetric(defaultK),
    'retrieval-mrr': () => new RetrievalMrrMetric(defaultK),
    'retrieval-ndcg-at-k': () => new RetrievalNdcgAtKMetric(defaultK),
    'answer-containment-at-k': () => new AnswerContainmentAtKMetric(defaultK),
  };
}
