import type { DatasetSample } from '../datasets/index.js';
import { MetricError, errorMessage } from '../errors.js';
import { isMetric, type Metric, type MetricScore } from '../metrics/index.js';
import type { SampleFailure, SampleResult } from '../reports/index.js';
import type { SutAnswer } from '../sut/index.js';
import { isPlainObject } from '../values.js';

export interface ScoringOptions {
  /** Re-throw MetricErrors instead of capturing them. */
  readonly raiseExceptions: boolean;
}

/** Metrics may optionally expose the usage of their last provider call, even when it failed. */
interface ProvidesUsageDetails {
  usageDetails(): Record<string, unknown>;
}

/**
 * Score one answer with every metric, in the dataset's metric order. A metric that throws is
 * recorded as a failure and the others still run; in strict mode a MetricError aborts instead
 * (other errors, such as a bug in a custom metric, are still captured).
 */
export async function scoreSample(
  sample: DatasetSample,
  answer: SutAnswer,
  metrics: readonly Metric[],
  options: ScoringOptions,
  failures: SampleFailure[],
): Promise<SampleResult> {
  const metricScores = new Map<string, MetricScore>();
  for (const metric of metrics) {
    try {
      const pending = metric.score(sample, answer.output, answer);
      // Most offline metrics are synchronous; skip the microtask hop for them.
      const score = pending instanceof Promise ? await pending : pending;
      checkScore(score, metric);
      metricScores.set(metric.name, score);
    } catch (error) {
      if (options.raiseExceptions && error instanceof MetricError) throw error;
      failures.push({
        sampleId: sample.id,
        metricName: metric.name,
        error: errorMessage(error),
        details: usageOf(metric, error),
      });
    }
  }
  return {
    sample,
    actualOutput: answer.output,
    ...(answer.retrieved === undefined ? {} : { retrieved: answer.retrieved }),
    ...(answer.trajectory === undefined ? {} : { trajectory: answer.trajectory }),
    ...(answer.usage === undefined ? {} : { usage: answer.usage }),
    metricScores,
  };
}

function checkScore(score: MetricScore, metric: Metric): void {
  if (
    score === null ||
    typeof score !== 'object' ||
    typeof score.score !== 'number' ||
    Number.isNaN(score.score) ||
    score.score < 0 ||
    score.score > 1 ||
    !isPlainObject(score.details)
  ) {
    throw new MetricError(
      `Metric '${metric.name}' returned an invalid score; expected { score: number in [0.0, 1.0], details: object }.`,
    );
  }
}

/** Usage a failed attempt spent: carried by the error (provider metrics) or the metric. */
function usageOf(metric: Metric, error: unknown): Record<string, unknown> {
  const carried =
    error !== null && typeof error === 'object' ? (error as { usage?: unknown }).usage : undefined;
  if (isPlainObject(carried) && Object.keys(carried).length > 0) return { usage: carried };
  if (
    !isMetric(metric) ||
    typeof (metric as Partial<ProvidesUsageDetails>).usageDetails !== 'function'
  )
    return {};
  const usage = (metric as unknown as ProvidesUsageDetails).usageDetails();
  return isPlainObject(usage) && Object.keys(usage).length > 0 ? { usage } : {};
}
