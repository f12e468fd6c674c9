import { assertionMetricKey, assertionName, type DatasetSample } from '../datasets/index.js';
import { MetricError, errorMessage } from '../errors.js';
import { createMetricScore, isMetric, type Metric, type MetricScore } from '../metrics/index.js';
import type { SampleFailure, SampleResult } from '../reports/index.js';
import type { SutAnswer } from '../sut/index.js';
import { isPlainObject } from '../values.js';

export interface ScoringOptions {
  /** Re-throw MetricErrors instead of capturing them. */
  readonly raiseExceptions: boolean;
  /** The metrics of the samples' own checks (`assert:`), by assertionMetricKey. */
  readonly assertionMetrics?: ReadonlyMap<string, Metric>;
}

/** One thing to score a sample with: a metric, its report name, and the sample as it sees it. */
interface Check {
  readonly name: string;
  readonly metric: Metric;
  /** The sample with the check's own target; absent: the sample as it is. */
  readonly sample?: DatasetSample;
  readonly not: boolean;
}

/**
 * The checks of a sample without checks of its own, made once per metric list: scoring a
 * 100,000-sample run allocates nothing per sample for them.
 */
const plainChecks = new WeakMap<readonly Metric[], readonly Check[]>();

function checksOfMetrics(metrics: readonly Metric[]): readonly Check[] {
  let checks = plainChecks.get(metrics);
  if (checks === undefined) {
    checks = metrics.map((metric) => ({ name: metric.name, metric, not: false }));
    plainChecks.set(metrics, checks);
  }
  return checks;
}

/**
 * The dataset's metrics, then the sample's own checks. A check reported under a dataset
 * metric's name replaces that metric for this sample: it is the same metric with this sample's
 * own target. A check with a `value` sees the sample with that value as its expected output.
 */
function checksOf(
  sample: DatasetSample,
  metrics: readonly Metric[],
  assertionMetrics: ReadonlyMap<string, Metric> | undefined,
): Check[] {
  const own = (sample.assert ?? []).map((check): Check => {
    const metric = assertionMetrics?.get(assertionMetricKey(check));
    if (metric === undefined)
      throw new MetricError(
        `Sample '${sample.id}' checks metric '${check.metric}', which is not resolved.`,
      );
    return {
      name: assertionName(check),
      metric,
      ...('value' in check ? { sample: { ...sample, expectedOutput: check.value } } : {}),
      not: check.not,
    };
  });
  const replaced = new Set(own.map((check) => check.name));
  return [
    ...metrics
      .filter((metric) => !replaced.has(metric.name))
      .map((metric) => ({ name: metric.name, metric, not: false })),
    ...own,
  ];
}

/** A check with `not: true`: 1 − score, for metrics that score 0 or 1 only. */
function inverted(score: MetricScore, check: Check, sample: DatasetSample): MetricScore {
  if (score.score !== 0 && score.score !== 1)
    throw new MetricError(
      `Check '${check.name}' of sample '${sample.id}' inverts ${check.metric.name}, which scored ${score.score}; not: true needs a metric that scores 0 or 1.`,
    );
  return createMetricScore(1 - score.score, { ...score.details, inverted: true });
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
  const checks =
    sample.assert === undefined
      ? checksOfMetrics(metrics)
      : checksOf(sample, metrics, options.assertionMetrics);
  for (const check of checks) {
    const { metric } = check;
    try {
      const pending = metric.score(check.sample ?? sample, answer.output, answer);
      // Most offline metrics are synchronous; skip the microtask hop for them.
      const score = pending instanceof Promise ? await pending : pending;
      checkScore(score, metric);
      metricScores.set(check.name, check.not ? inverted(score, check, sample) : score);
    } catch (error) {
      if (options.raiseExceptions && error instanceof MetricError) throw error;
      failures.push({
        sampleId: sample.id,
        metricName: check.name,
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
