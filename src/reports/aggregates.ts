/** Pure statistics over metric scores. */

/** A score at or above this counts as a pass, unless the metric or the sample sets its own line. */
export const PASS_THRESHOLD = 0.5;

export interface MetricAggregate {
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly pass_rate: number;
  /** With `--repeat`: the share of samples that passed in every repeat (pass^k). */
  readonly pass_all?: number;
  /** With `--repeat`: the share of samples that passed in at least one repeat (pass@k). */
  readonly pass_any?: number;
  /** With `--repeat`: samples that passed in some repeats and failed in others. */
  readonly flaky_samples?: number;
}

export const AGGREGATE_NAMES = ['mean', 'p50', 'p95', 'pass_rate'] as const;
export type AggregateName = (typeof AGGREGATE_NAMES)[number];

/** Aggregates over repeats; a run without repeats has them too (both equal its pass_rate). */
export const REPEAT_AGGREGATE_NAMES = ['pass_all', 'pass_any'] as const;
export type RepeatAggregateName = (typeof REPEAT_AGGREGATE_NAMES)[number];

export function mean(scores: readonly number[]): number {
  if (scores.length === 0) return 0;
  let sum = 0;
  for (const score of scores) sum += score;
  return sum / scores.length;
}

/** Linear interpolation between closest ranks (NumPy "linear"); 0 when empty or p outside [0, 100]. */
export function percentile(scores: readonly number[], p: number): number {
  if (scores.length === 0 || p < 0 || p > 100) return 0;
  return percentileOfSorted(
    [...scores].sort((a, b) => a - b),
    p,
  );
}

function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const low = sorted[lo] as number;
  if (lo === hi) return low;
  const weight = rank - lo;
  return low * (1 - weight) + (sorted[hi] as number) * weight;
}

/** The share of scores at or above their pass line (`lines[i]` for score i; 0.5 without). */
export function passRate(scores: readonly number[], lines?: readonly number[]): number {
  if (scores.length === 0) return 0;
  let passed = 0;
  for (let i = 0; i < scores.length; i++)
    if ((scores[i] as number) >= (lines?.[i] ?? PASS_THRESHOLD)) passed++;
  return passed / scores.length;
}

export function aggregateScores(
  scores: readonly number[],
  lines?: readonly number[],
): MetricAggregate {
  if (scores.length === 0) return { mean: 0, p50: 0, p95: 0, pass_rate: 0 };
  const sorted = [...scores].sort((a, b) => a - b);
  return {
    mean: mean(scores),
    p50: percentileOfSorted(sorted, 50),
    p95: percentileOfSorted(sorted, 95),
    pass_rate: passRate(scores, lines),
  };
}

/**
 * The scores of one metric over a set of samples, as a growing typed array, with how many were at
 * or above their pass line: what every aggregate, histogram and pass rate is computed from, eight
 * bytes a score instead of a kept sample object.
 */
export class ScoreColumn {
  private values = new Float64Array(16);
  private size = 0;
  private passes = 0;

  add(score: number, passLine: number): void {
    if (this.size === this.values.length) {
      const grown = new Float64Array(this.size * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.size++] = score;
    if (score >= passLine) this.passes++;
  }

  get count(): number {
    return this.size;
  }

  /** The scores, in the order they were added. */
  scores(): Float64Array {
    return this.values.subarray(0, this.size);
  }

  /** mean, p50, p95 and pass_rate: the same numbers as aggregateScores over the same scores. */
  aggregate(): MetricAggregate {
    if (this.size === 0) return { mean: 0, p50: 0, p95: 0, pass_rate: 0 };
    const scores = this.scores();
    // A typed array sorts numerically, without a comparison function.
    const sorted = scores.slice().sort();
    let sum = 0;
    for (const score of scores) sum += score;
    return {
      mean: sum / this.size,
      p50: percentileOfSorted(sorted, 50),
      p95: percentileOfSorted(sorted, 95),
      pass_rate: this.passes / this.size,
    };
  }
}

export interface HistogramBucket {
  readonly min: number;
  readonly max: number;
  readonly count: number;
}

/** Round to 10 decimals so `3 * 0.1` is emitted as 0.3. */
export function round10(value: number): number {
  return Math.round(value * 1e10) / 1e10;
}

/** Equal-width buckets over [0, 1]; the last bucket is closed. */
export function histogram(scores: Iterable<number>, buckets = 10): HistogramBucket[] {
  const count = Math.max(1, Math.floor(buckets));
  const width = 1 / count;
  const edges: { min: number; max: number }[] = [];
  for (let i = 0; i < count; i++) {
    edges.push({ min: round10(i * width), max: i === count - 1 ? 1 : round10((i + 1) * width) });
  }
  const counts = new Array<number>(count).fill(0);
  for (const raw of scores) {
    const score = round10(raw);
    let placed = count - 1;
    for (let i = 0; i < count - 1; i++) {
      const edge = edges[i] as { min: number; max: number };
      if (score >= edge.min && score < edge.max) {
        placed = i;
        break;
      }
    }
    counts[placed] = (counts[placed] as number) + 1;
  }
  return edges.map((edge, i) => ({ min: edge.min, max: edge.max, count: counts[i] as number }));
}
