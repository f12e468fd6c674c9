import {
  DATASET_SCHEMA_V1,
  SUPPORTED_DATASET_SCHEMAS,
  sampleThresholds,
  type DatasetSample,
  type ReportSelection,
} from '../datasets/index.js';
import { PASS_THRESHOLD } from './aggregates.js';
import { ReportSchemaError } from '../errors.js';
import type { MetricScore } from '../metrics/index.js';
import type { SutAnswer } from '../sut/index.js';
import type { RunStatus } from '../run-status.js';

export { RUN_STATUSES, type RunStatus } from '../run-status.js';

export const REPORT_SCHEMA_V1 = 'eval-harness.report.v1';

/**
 * What the SUT reported besides its text, when it did: the documents it retrieved (rank order),
 * its tool calls, and the tokens it spent (the first repeat's, with `--repeat`).
 */
type ReportedParts = Pick<SutAnswer, 'retrieved' | 'trajectory' | 'usage'>;

/** One sample's output and the scores of the metrics that succeeded on it. */
export interface SampleResult extends ReportedParts {
  readonly sample: DatasetSample;
  readonly actualOutput: string;
  /** In the dataset's metric order; metrics that failed on this sample are absent. */
  readonly metricScores: ReadonlyMap<string, MetricScore>;
  /**
   * With `--repeat` n > 1: every repeat's answer and scores, in order. `metricScores` then holds
   * each metric's mean over the repeats that scored it, and `actualOutput` the first repeat's.
   */
  readonly repeats?: readonly SampleRepeat[];
  /** SUT calls the sample took, its repeats and retries included; set when a call was retried. */
  readonly attempts?: number;
}

/** One repeat of a sample. */
export interface SampleRepeat extends ReportedParts {
  readonly actualOutput: string;
  readonly metricScores: ReadonlyMap<string, MetricScore>;
}

/**
 * The scored samples of a report, in dataset order. A plain array for small runs and reports
 * built in code; a large run's engine spools them to disk and reads each back as it is iterated,
 * so a report of a million samples does not hold a million result objects. Read it in one pass
 * where you can: each iteration of a spooled list reads the file again.
 */
export interface SampleResultList extends Iterable<SampleResult> {
  readonly length: number;
}

/** A metric that threw on a sample, captured instead of aborting the run. */
export interface SampleFailure {
  readonly sampleId: string;
  readonly metricName: string;
  readonly error: string;
  /** `{ usage }` when the metric spent provider tokens before failing; feeds the usage summary. */
  readonly details: Readonly<Record<string, unknown>>;
  /** With `--repeat`: which repeat (1-based) the metric failed on. */
  readonly repeat?: number;
}

/**
 * A sample the SUT could not answer: its call threw, timed out, returned something that is not
 * an answer, or passed the batch wait timeout — after its retries. It has no scores.
 */
export interface SampleError {
  readonly sampleId: string;
  /** A sentence naming the sample and what went wrong. */
  readonly error: string;
  /** SUT calls made for it, retries included. */
  readonly attempts: number;
  /** With `--repeat`: which repeat (1-based) failed first. */
  readonly repeat?: number;
  /** What the SUT threw, when it ran in this process; never written to a report. */
  readonly cause?: unknown;
}

/** How a run with `--max-cost` ended: what it spent, and whether the budget stopped it. */
export interface BudgetOutcome {
  readonly limit_usd: number;
  /** Known spend: reported costs and price-book costs; unpriced models are not in it. */
  readonly spent_usd: number;
  readonly halted: boolean;
  /** Samples in the report (a halted run stops before the rest). */
  readonly completed_samples: number;
  readonly reason: string | null;
}

/** The result of one dataset run. */
export interface EvalReport {
  readonly schemaVersion: string;
  readonly datasetSchemaVersion: string;
  readonly datasetName: string;
  /** Epoch seconds, fractional. */
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly sampleResults: SampleResultList;
  readonly failures: readonly SampleFailure[];
  /** With a spending budget. */
  readonly budget?: BudgetOutcome;
  /** How the run ended; `complete` unless it stopped early. */
  readonly status: RunStatus;
  /** Why it stopped early, in one sentence; null when complete. */
  readonly stopReason: string | null;
  /** Samples the SUT could not answer, in dataset order; not in `sampleResults`. */
  readonly sampleErrors: readonly SampleError[];
  /** Ids of samples that never ran (the run stopped first), in dataset order. */
  readonly notRun: readonly string[];
  /** Each metric's pass line (0.5 unless configured); a sample's `metadata.thresholds` wins. */
  readonly passLines: Readonly<Record<string, number>>;
  /**
   * The providers that scored (judge, embeddings): each one's model and a short hash of what
   * decides its scores, so a comparison can say when scores were judged differently.
   */
  readonly providers?: Readonly<Record<string, ScoringProvider>>;
  /** The samples a selection kept (`--shard`, `--tag`, …); absent when every sample ran. */
  readonly selection?: ReportSelection;
}

/** A provider that scored a run: its model, and a fingerprint of its model and prompts. */
export interface ScoringProvider {
  readonly model: string | null;
  readonly fingerprint: string;
}

export function createEvalReport(report: {
  datasetName: string;
  startedAt: number;
  finishedAt: number;
  sampleResults: SampleResultList;
  failures: readonly SampleFailure[];
  budget?: BudgetOutcome;
  status?: RunStatus;
  stopReason?: string | null;
  sampleErrors?: readonly SampleError[];
  notRun?: readonly string[];
  passLines?: Readonly<Record<string, number>>;
  schemaVersion?: string;
  datasetSchemaVersion?: string;
}): EvalReport {
  const schemaVersion = report.schemaVersion ?? REPORT_SCHEMA_V1;
  const datasetSchemaVersion = report.datasetSchemaVersion ?? DATASET_SCHEMA_V1;
  if (schemaVersion !== REPORT_SCHEMA_V1) {
    throw new ReportSchemaError(
      `Report for dataset '${report.datasetName}' uses unsupported schema version '${schemaVersion}'. Supported version: ${REPORT_SCHEMA_V1}.`,
    );
  }
  if (!SUPPORTED_DATASET_SCHEMAS.includes(datasetSchemaVersion)) {
    throw new ReportSchemaError(
      `Report for dataset '${report.datasetName}' references unsupported dataset schema version '${datasetSchemaVersion}'. Supported versions: ${SUPPORTED_DATASET_SCHEMAS.join(', ')}.`,
    );
  }
  return {
    ...report,
    schemaVersion,
    datasetSchemaVersion,
    status: report.status ?? 'complete',
    stopReason: report.stopReason ?? null,
    sampleErrors: report.sampleErrors ?? [],
    notRun: report.notRun ?? [],
    passLines: report.passLines ?? {},
  };
}

/** The score at or above which `metric` passes on `sample`: its own, the report's, or 0.5. */
export function passLineOf(
  report: Pick<EvalReport, 'passLines'>,
  sample: DatasetSample,
  metric: string,
): number {
  return sampleThresholds(sample)[metric] ?? report.passLines[metric] ?? PASS_THRESHOLD;
}

/** The expected answer as one line of text: a string as it is, anything else as JSON. */
export function expectedText(sample: DatasetSample): string {
  const expected = sample.expectedOutput;
  return typeof expected === 'string' ? expected : (JSON.stringify(expected) ?? '');
}

/**
 * A saved sample row's `pass_lines` field: the sample's own pass lines, so a comparison reads
 * them back, or nothing when it has none.
 */
export function savedPassLines(sample: DatasetSample): { pass_lines?: Record<string, number> } {
  const own = sampleThresholds(sample);
  return Object.keys(own).length === 0 ? {} : { pass_lines: { ...own } };
}

/** Samples the dataset has: scored, errored and not run. */
export function datasetSampleCount(report: EvalReport): number {
  return report.sampleResults.length + report.sampleErrors.length + report.notRun.length;
}

/** A sentence on how the run ended and what it covers, for stderr and Markdown. */
export function runOutcomeLine(report: EvalReport): string {
  const counts = `${report.sampleResults.length} of ${datasetSampleCount(report)} sample(s) scored, ${report.sampleErrors.length} errored, ${report.notRun.length} not run`;
  switch (report.status) {
    case 'complete':
      return `Run complete: ${counts}.`;
    case 'budget-halted':
      return `Run halted by its budget: ${counts}.`;
    case 'interrupted':
      return `Run interrupted: ${counts}.`;
    default:
      return `Run stopped on an error: ${counts}.`;
  }
}

export function durationSeconds(report: EvalReport): number {
  return Math.max(0, report.finishedAt - report.startedAt);
}
