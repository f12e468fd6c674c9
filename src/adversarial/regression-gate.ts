import { EvalRunError } from '../errors.js';
import { AGGREGATE_NAMES, compareCodePoints, type AggregateName } from '../reports/index.js';
import type { AdversarialRunEntry, AdversarialRunManifest } from './run-manifest.js';

export interface GateTarget {
  readonly metric: string;
  readonly aggregate: AggregateName;
}

export type GateCheckStatus = 'pass' | 'fail' | 'missing-value';

export interface GateCheck {
  /** `macro_f1`, or `metrics.<metric>.<aggregate>` (the name the stderr line and table use). */
  readonly target: string;
  /** The metric name, or `macro_f1`. */
  readonly metric: string;
  /** The aggregate (`mean`, `p50`, …), or `macro_f1`. */
  readonly aggregate: string;
  readonly baseline_score: number | null;
  readonly current_score: number | null;
  readonly drop: number | null;
  readonly max_drop: number;
  readonly status: GateCheckStatus;
}

export interface GateResult {
  readonly status: 'pass' | 'fail' | 'missing-baseline';
  readonly current_run_id: string;
  readonly baseline_run_id: string | null;
  readonly recorded: boolean;
  readonly checks: readonly GateCheck[];
}

/** `metric` or `metric:aggregate` (default mean); duplicates collapse, first position kept. */
export function parseGateTargets(targets: readonly string[]): GateTarget[] {
  const parsed: GateTarget[] = [];
  targets.forEach((text, index) => {
    if (typeof text !== 'string' || text === '' || text.trim() !== text) {
      throw new EvalRunError(
        `Adversarial regression gate metric target at index ${index} must be a non-empty string without leading or trailing whitespace.`,
      );
    }
    const parts = text.split(':');
    if (parts.length > 2 || parts.some((part) => part === '' || part.trim() !== part)) {
      throw new EvalRunError(
        `Adversarial regression gate metric target '${text}' must use metric or metric:aggregate syntax.`,
      );
    }
    const metric = parts[0] as string;
    const aggregate = parts[1] ?? 'mean';
    if (!(AGGREGATE_NAMES as readonly string[]).includes(aggregate)) {
      throw new EvalRunError(
        `Adversarial regression gate metric target '${text}' uses unsupported aggregate '${aggregate}'. Supported aggregates: ${AGGREGATE_NAMES.join(', ')}.`,
      );
    }
    if (!parsed.some((target) => target.metric === metric && target.aggregate === aggregate)) {
      parsed.push({ metric, aggregate: aggregate as AggregateName });
    }
  });
  return parsed;
}

export function checkMaxDrop(maxDrop: number): void {
  if (!Number.isFinite(maxDrop) || maxDrop < 0 || maxDrop > 1) {
    throw new EvalRunError(
      'Adversarial regression gate max drop must be a finite ratio in [0, 1].',
    );
  }
}

/**
 * Compare the current run with its baseline: macro-F1 plus each target;
 * a drop above `maxDrop` (a ratio: 0.05 is 5 percentage points) fails, improvements never do.
 */
export function evaluateRegressionGate(
  current: AdversarialRunEntry,
  baseline: AdversarialRunEntry | null,
  maxDrop: number,
  targets: readonly GateTarget[],
): GateResult {
  checkMaxDrop(maxDrop);
  const scoreOf = (entry: AdversarialRunEntry, target: GateTarget): number | null =>
    entry.metrics[target.metric]?.[target.aggregate] ?? null;
  const name = (target: GateTarget) => `metrics.${target.metric}.${target.aggregate}`;
  if (baseline === null) {
    const missing = targets.filter((target) => scoreOf(current, target) === null);
    if (missing.length === 0)
      return {
        status: 'missing-baseline',
        current_run_id: current.run_id,
        baseline_run_id: null,
        recorded: false,
        checks: [],
      };
    return {
      status: 'fail',
      current_run_id: current.run_id,
      baseline_run_id: null,
      recorded: false,
      checks: missing.map((target) => ({
        target: name(target),
        metric: target.metric,
        aggregate: target.aggregate,
        baseline_score: null,
        current_score: null,
        drop: null,
        max_drop: maxDrop,
        status: 'missing-value',
      })),
    };
  }
  const check = (
    subject: { readonly target: string; readonly metric: string; readonly aggregate: string },
    b: number | null,
    c: number | null,
  ): GateCheck => {
    if (b === null || c === null)
      return {
        ...subject,
        baseline_score: b,
        current_score: c,
        drop: null,
        max_drop: maxDrop,
        status: 'missing-value',
      };
    const drop = Math.max(0, b - c);
    return {
      ...subject,
      baseline_score: b,
      current_score: c,
      drop,
      max_drop: maxDrop,
      status: drop > maxDrop + 1e-9 ? 'fail' : 'pass',
    };
  };
  const checks = [
    check(
      { target: 'macro_f1', metric: 'macro_f1', aggregate: 'macro_f1' },
      baseline.macro_f1,
      current.macro_f1,
    ),
    ...targets.map((target) =>
      check(
        { target: name(target), metric: target.metric, aggregate: target.aggregate },
        scoreOf(baseline, target),
        scoreOf(current, target),
      ),
    ),
  ];
  return {
    status: checks.every((c) => c.status === 'pass') ? 'pass' : 'fail',
    current_run_id: current.run_id,
    baseline_run_id: baseline.run_id,
    recorded: false,
    checks,
  };
}

/**
 * The latest compatible failure-free run: same metric names and the same adversarial slice
 * (sample total and per-category counts), so a run is only ever compared with a like run.
 */
export function findBaseline(
  manifest: AdversarialRunManifest,
  current: AdversarialRunEntry,
): AdversarialRunEntry | null {
  const metricKey = (entry: AdversarialRunEntry) =>
    Object.keys(entry.metrics).sort(compareCodePoints).join('\u0000');
  const sliceKey = (entry: AdversarialRunEntry) =>
    `${entry.adversarial.total_samples}|${[...entry.adversarial.categories]
      .sort((a, b) => compareCodePoints(a.category, b.category))
      .map((c) => `${c.category}:${c.sample_count}`)
      .join(',')}`;
  return (
    manifest.runs.find(
      (run) =>
        run.total_failures === 0 &&
        metricKey(run) === metricKey(current) &&
        sliceKey(run) === sliceKey(current),
    ) ?? null
  );
}
