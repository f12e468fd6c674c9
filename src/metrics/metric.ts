import type { DatasetSample } from '../datasets/index.js';
import { MetricError } from '../errors.js';
import type { SutAnswer } from '../sut/index.js';

/** What a metric returns for one sample: a score in [0, 1] and details copied into the report. */
export interface MetricScore {
  readonly score: number;
  /** Serialised verbatim into the JSON report: never put secrets or raw metadata here. */
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * A metric scores one actual output against one golden sample. `answer` is the whole answer: the
 * output text again, and the retrieved documents and tool calls when the SUT reported them.
 */
export interface Metric {
  /** The name used in reports (`metrics.<name>`). */
  readonly name: string;
  score(
    sample: DatasetSample,
    actualOutput: string,
    answer: SutAnswer,
  ): MetricScore | Promise<MetricScore>;
}

/** Build a MetricScore, rejecting scores outside [0, 1] and NaN. */
export function createMetricScore(
  score: number,
  details: Record<string, unknown> = {},
): MetricScore {
  if (typeof score !== 'number' || Number.isNaN(score) || score < 0 || score > 1) {
    throw new MetricError(`Metric score must be in [0.0, 1.0]; got ${String(score)}.`);
  }
  return { score, details };
}

/** Whether a value looks like a Metric (a name and a score function). */
export function isMetric(value: unknown): value is Metric {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Metric).name === 'string' &&
    typeof (value as Metric).score === 'function'
  );
}

/** Clamp a finite number into [0, 1]. */
export function clampUnit(value: number): number {
  return value < 0 ? 0 : value > 1 ? 1 : value;
}
