import { UsageError } from '../errors.js';
import {
  AGGREGATE_NAMES,
  REPEAT_AGGREGATE_NAMES,
  type AggregateName,
  type RepeatAggregateName,
} from './aggregates.js';

/** What `--fail-under` may gate on. */
const GATE_AGGREGATES: readonly string[] = [...AGGREGATE_NAMES, ...REPEAT_AGGREGATE_NAMES];
type GateAggregate = AggregateName | RepeatAggregateName;
import type { ReportSummary } from './report-summary.js';

/** A `--fail-under` threshold: the run fails when the aggregate is below `threshold`. */
export interface ScoreGate {
  /** A metric name, or `macro_f1` for the report-level macro pass rate. */
  readonly metric: string;
  readonly aggregate: GateAggregate | 'macro_f1';
  readonly threshold: number;
}

export interface ScoreGateResult {
  metric: string;
  aggregate: GateAggregate | 'macro_f1';
  threshold: number;
  actual: number;
  passed: boolean;
}

/** Parse `metric[:mean|p50|p95|pass_rate]=value` or `macro_f1=value`. */
export function parseScoreGate(text: string): ScoreGate {
  const usage = `--fail-under '${text}' must look like metric=0.8, metric:p95=0.7 or macro_f1=0.9 (aggregates: ${GATE_AGGREGATES.join(', ')}; value in [0, 1]).`;
  const eq = text.lastIndexOf('=');
  if (eq <= 0) throw new UsageError(usage);
  const target = text.slice(0, eq);
  const valueText = text.slice(eq + 1);
  const threshold = Number(valueText);
  if (valueText.trim() === '' || !Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
    throw new UsageError(
      `--fail-under '${text}': the threshold must be a number in [0, 1]; got '${valueText}'.`,
    );
  }
  if (target === 'macro_f1') return { metric: 'macro_f1', aggregate: 'macro_f1', threshold };
  const colon = target.lastIndexOf(':');
  const metric = colon < 0 ? target : target.slice(0, colon);
  const aggregate = colon < 0 ? 'mean' : target.slice(colon + 1);
  if (metric === '' || /\s/.test(target)) throw new UsageError(usage);
  if (!GATE_AGGREGATES.includes(aggregate)) {
    throw new UsageError(
      `--fail-under '${text}' uses unsupported aggregate '${aggregate}'; use one of ${GATE_AGGREGATES.join(', ')}.`,
    );
  }
  return { metric, aggregate: aggregate as GateAggregate, threshold };
}

/** Check that every gated metric is one the dataset scores, before anything runs. */
export function checkGateMetrics(
  gates: readonly ScoreGate[],
  metricNames: readonly string[],
): void {
  for (const gate of gates) {
    if (gate.aggregate !== 'macro_f1' && !metricNames.includes(gate.metric)) {
      throw new UsageError(
        `--fail-under names metric '${gate.metric}', which this run does not score. Metrics of this run: ${metricNames.join(', ')}.`,
      );
    }
  }
}

export function evaluateScoreGates(
  gates: readonly ScoreGate[],
  summary: ReportSummary,
): ScoreGateResult[] {
  return gates.map((gate) => {
    const aggregates = summary.metrics[gate.metric];
    // Without repeats every sample ran once: passing all repeats, or any, is passing.
    const actual =
      gate.aggregate === 'macro_f1'
        ? summary.macroF1
        : (aggregates?.[gate.aggregate] ?? aggregates?.pass_rate ?? 0);
    return {
      metric: gate.metric,
      aggregate: gate.aggregate,
      threshold: gate.threshold,
      actual,
      passed: actual >= gate.threshold,
    };
  });
}

/** One line per failed `--fail-under` gate of a dataset, as stderr and CI annotations say it. */
export function scoreGateFailureLines(
  dataset: string,
  gates: readonly ScoreGateResult[] | undefined,
): string[] {
  return (gates ?? [])
    .filter((gate) => !gate.passed)
    .map(
      (gate) =>
        `Score gate failed (${dataset}): ${gate.aggregate === 'macro_f1' ? 'macro_f1' : `${gate.metric}:${gate.aggregate}`} is ${gate.actual.toFixed(4)}, below --fail-under ${gate.threshold}`,
    );
}
