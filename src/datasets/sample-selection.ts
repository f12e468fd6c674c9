import { UsageError } from '../errors.js';
import { sampleTags, type DatasetSample } from './dataset-sample.js';

/**
 * Which samples of a dataset a run takes. Filters apply in this order: the samples that were
 * not passing in an earlier report, then tags, then the id pattern, then the shard, then a
 * seeded random sample, then the first `limit`. Shards come before sampling and the limit, so
 * the jobs of a CI matrix split the same set and together cover it once.
 */
export interface SampleSelection {
  /** Only these ids: the samples an earlier report did not pass (failed, errored, not run). */
  readonly failing?: { readonly source: string; readonly ids: ReadonlySet<string> } | undefined;
  /** Samples with any of these tags (`metadata.tags`). */
  readonly tags?: readonly string[] | undefined;
  /** A JavaScript regular expression an id must match (unanchored). */
  readonly idPattern?: string | undefined;
  /** Shard `index` (1-based) of `count`, split by a stable hash of the id. */
  readonly shard?: { readonly index: number; readonly count: number } | undefined;
  /** A random `count` samples, reproducible by `seed`; kept in dataset order. */
  readonly sample?: { readonly count: number; readonly seed: number } | undefined;
  /** The first `limit` samples left. */
  readonly limit?: number | undefined;
}

/** The selection as a report records it, with how many samples it kept of how many. */
export interface ReportSelection {
  readonly filter_failing: string | null;
  readonly tags: readonly string[];
  readonly filter_id: string | null;
  readonly shard: string | null;
  readonly sample: number | null;
  readonly seed: number | null;
  readonly limit: number | null;
  readonly selected_samples: number;
  readonly dataset_samples: number;
}

/** Whether a selection asks for anything; an empty one runs every sample. */
export function isSelecting(selection: SampleSelection | undefined): selection is SampleSelection {
  if (selection === undefined) return false;
  return (
    selection.failing !== undefined ||
    (selection.tags?.length ?? 0) > 0 ||
    selection.idPattern !== undefined ||
    selection.shard !== undefined ||
    selection.sample !== undefined ||
    selection.limit !== undefined
  );
}

/** A compiled id pattern; a bad one is exit 2 naming the flag. */
export function idPatternOf(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'u');
  } catch (error) {
    throw new UsageError(
      `The --filter-id option must be a JavaScript regular expression; '${pattern}' is not: ${(error as Error).message}.`,
    );
  }
}

/** Every value of a selection in range (exit 2 naming the flag), for callers that skip the CLI. */
export function checkSelection(selection: SampleSelection): void {
  const whole = (value: number) => Number.isSafeInteger(value) && value >= 1;
  const { shard, sample, limit } = selection;
  if (
    shard !== undefined &&
    !(whole(shard.count) && whole(shard.index) && shard.index <= shard.count)
  )
    throw new UsageError(
      `The --shard option must be <i>/<n> with 1 <= i <= n, such as 2/4; got ${shard.index}/${shard.count}.`,
    );
  if (sample !== undefined && !(whole(sample.count) && Number.isSafeInteger(sample.seed)))
    throw new UsageError(
      `The --sample option must be a positive whole number of samples, with a whole --seed; got ${sample.count} (seed ${sample.seed}).`,
    );
  if (limit !== undefined && !whole(limit))
    throw new UsageError(`The --limit option must be a positive whole number; got ${limit}.`);
  if (selection.idPattern !== undefined) idPatternOf(selection.idPattern);
}

/** The shard of an id among `count`: 0-based, from a 32-bit FNV-1a hash of its UTF-8 bytes. */
export function shardOf(id: string, count: number): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(id)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % count;
}

/** mulberry32: a small seeded generator, so `--sample n --seed s` picks the same samples anywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` of `items` chosen at random by `seed` (partial Fisher-Yates), in their own order. */
function randomSubset<T>(items: readonly T[], count: number, seed: number): T[] {
  if (count >= items.length) return [...items];
  const random = seededRandom(seed);
  const indexes = items.map((_, index) => index);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (indexes.length - i));
    [indexes[i], indexes[j]] = [indexes[j] as number, indexes[i] as number];
  }
  return indexes
    .slice(0, count)
    .sort((a, b) => a - b)
    .map((index) => items[index] as T);
}

/** The samples a selection keeps, in dataset order. */
export function selectSamples(
  samples: readonly DatasetSample[],
  selection: SampleSelection,
): DatasetSample[] {
  const pattern = selection.idPattern === undefined ? undefined : idPatternOf(selection.idPattern);
  const tags = selection.tags ?? [];
  let kept = samples.filter((sample) => {
    if (selection.failing !== undefined && !selection.failing.ids.has(sample.id)) return false;
    if (tags.length > 0 && !sampleTags(sample).some((tag) => tags.includes(tag))) return false;
    if (pattern !== undefined && !pattern.test(sample.id)) return false;
    const shard = selection.shard;
    return shard === undefined || shardOf(sample.id, shard.count) === shard.index - 1;
  });
  if (selection.sample !== undefined)
    kept = randomSubset(kept, selection.sample.count, selection.sample.seed);
  if (selection.limit !== undefined) kept = kept.slice(0, selection.limit);
  return kept;
}

/** What a report records of its selection. */
export function reportSelection(
  selection: SampleSelection,
  selected: number,
  datasetSamples: number,
): ReportSelection {
  return {
    filter_failing: selection.failing?.source ?? null,
    tags: selection.tags ?? [],
    filter_id: selection.idPattern ?? null,
    shard:
      selection.shard === undefined ? null : `${selection.shard.index}/${selection.shard.count}`,
    sample: selection.sample?.count ?? null,
    seed: selection.sample?.seed ?? null,
    limit: selection.limit ?? null,
    selected_samples: selected,
    dataset_samples: datasetSamples,
  };
}
