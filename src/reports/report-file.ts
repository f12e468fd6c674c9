import * as z from 'zod';
import { formatIssues } from '../schema-issues.js';
import { ReportFileError } from '../errors.js';
import { PASS_THRESHOLD } from './aggregates.js';
import { REPORT_SCHEMA_V1, RUN_STATUSES } from './eval-report.js';
import { EVAL_SET_RUN_SCHEMA_V1 } from './gated-report.js';

/**
 * A saved JSON report read back for `compare` and `--baseline`. Only the fields a comparison
 * uses are checked; anything else a report holds (details, usage, gates) is ignored, so reports
 * with later additive keys still compare.
 */
const AggregateSchema = z.object({
  mean: z.number(),
  p50: z.number(),
  p95: z.number(),
  pass_rate: z.number(),
});

/** A sample's (or a repeat's) answer and scores, as the report writes them. */
const AnswerRowSchema = z.object({
  actual_output: z.string(),
  retrieved_ids: z.array(z.string()).optional(),
  tools: z.array(z.string()).optional(),
  scores: z.record(
    z.string(),
    z.object({ score: z.number().nullable(), details: z.unknown().optional() }),
  ),
});

/** One sample row of a dataset report. */
const SampleRowSchema = AnswerRowSchema.extend({
  id: z.string(),
  tags: z.array(z.string()),
  repeats: z.array(AnswerRowSchema).optional(),
  attempts: z.number().int().min(1).optional(),
  /** The sample's own pass lines, when it set any. */
  pass_lines: z.record(z.string(), z.number()).optional(),
});

/** A dataset report without its sample rows, which a large report's reader checks one by one. */
const DatasetReportHeadSchema = z.object({
  schema_version: z.literal(REPORT_SCHEMA_V1),
  dataset: z.string(),
  started_at: z.number(),
  total_samples: z.number(),
  metrics: z.record(z.string(), AggregateSchema),
  macro_f1: z.number(),
  cohorts: z.array(
    z.object({
      name: z.string().nullable(),
      label: z.string(),
      sample_count: z.number(),
      metrics: z.record(z.string(), AggregateSchema),
    }),
  ),
  /** Each metric's pass line; reports written before pass lines used 0.5 throughout. */
  pass_lines: z.record(z.string(), z.number()).optional(),
  /** The providers that scored, to warn when two runs were judged differently. */
  providers: z
    .record(z.string(), z.object({ model: z.string().nullable(), fingerprint: z.string() }))
    .optional(),
  usage: z.object({ cached_calls: z.number().optional() }).optional(),
  failures: z.array(
    z.object({
      sample_id: z.string(),
      metric: z.string(),
      error: z.string(),
      repeat: z.number().int().min(1).optional(),
    }),
  ),
  /** How the run ended; reports written before run statuses were complete runs. */
  status: z.enum(RUN_STATUSES).optional(),
  stop_reason: z.string().nullable().optional(),
  finished_at: z.number().optional(),
  sample_errors: z
    .array(
      z.object({
        id: z.string(),
        error: z.string().optional(),
        attempts: z.number().optional(),
        repeat: z.number().int().min(1).optional(),
      }),
    )
    .optional(),
  not_run: z.array(z.string()).optional(),
  /** The samples a selection kept; absent when every sample ran. */
  selection: z
    .object({ selected_samples: z.number(), dataset_samples: z.number() })
    .loose()
    .optional(),
});

const DatasetReportSchema = DatasetReportHeadSchema.extend({ samples: z.array(SampleRowSchema) });

const EvalSetReportSchema = z.object({
  schema_version: z.literal(EVAL_SET_RUN_SCHEMA_V1),
  eval_set: z.string(),
  reports: z.array(DatasetReportSchema),
});

/** One dataset report as a comparison (or `--resume`) reads it. */
export type SavedDatasetReport = z.infer<typeof DatasetReportSchema>;
/** One sample row of a saved report. */
export type SavedSampleRow = SavedDatasetReport['samples'][number];

/** A saved sample's pass line for a metric: its own, its report's, or 0.5. */
export function savedPassLineOf(
  report: SavedDatasetReport,
  row: SavedSampleRow,
  metric: string,
): number {
  return row.pass_lines?.[metric] ?? report.pass_lines?.[metric] ?? PASS_THRESHOLD;
}

/**
 * The ids a saved report did not pass: samples below a pass line or with a metric failure,
 * samples the SUT could not answer, and samples that never ran.
 */
export function notPassingIds(report: SavedDatasetReport): Set<string> {
  const ids = new Set<string>([
    ...(report.sample_errors ?? []).map((error) => error.id),
    ...(report.not_run ?? []),
    ...report.failures.map((failure) => failure.sample_id),
  ]);
  for (const row of report.samples)
    for (const [metric, entry] of Object.entries(row.scores))
      if (entry.score === null || entry.score < savedPassLineOf(report, row, metric))
        ids.add(row.id);
  return ids;
}
/** A sample's or a repeat's answer and scores in a saved report. */
export type SavedAnswerRow = z.infer<typeof AnswerRowSchema>;

/** A saved report: one dataset's, or an eval set's (its datasets' reports in run order). */
export type SavedReport =
  | { readonly kind: 'dataset'; readonly report: SavedDatasetReport }
  | {
      readonly kind: 'eval-set';
      readonly evalSet: string;
      readonly reports: readonly SavedDatasetReport[];
    };

const KNOWN_SCHEMAS = [REPORT_SCHEMA_V1, EVAL_SET_RUN_SCHEMA_V1];

/** The schema version of a parsed report, or the error that says it is not one this reads. */
function checkedVersion(value: unknown, source: string): string {
  const version =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)['schema_version']
      : undefined;
  if (typeof version !== 'string' || !version.startsWith('eval-harness.')) {
    throw new ReportFileError(
      `${source} is not a report of eval-harness (it has no eval-harness schema_version); pass a report written with --json.`,
    );
  }
  if (!KNOWN_SCHEMAS.includes(version)) {
    throw new ReportFileError(
      `${source} has schema_version '${version}', which this version cannot compare (it reads ${KNOWN_SCHEMAS.join(' and ')}).`,
    );
  }
  return version;
}

/**
 * Parse the text of a JSON report written by `run --json` or `adversarial --json` (a dataset or
 * an eval-set report). `source` names the file in every error, each one line and exit 2.
 */
export function parseSavedReport(text: string, source: string): SavedReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ReportFileError(
      `${source} is not JSON (${(error as Error).message}); pass a report written with --json.`,
    );
  }
  if (checkedVersion(value, source) === REPORT_SCHEMA_V1) {
    const parsed = DatasetReportSchema.safeParse(value);
    if (!parsed.success) throw new ReportFileError(formatIssues(source, parsed.error.issues));
    return { kind: 'dataset', report: parsed.data };
  }
  const parsed = EvalSetReportSchema.safeParse(value);
  if (!parsed.success) throw new ReportFileError(formatIssues(source, parsed.error.issues));
  return { kind: 'eval-set', evalSet: parsed.data.eval_set, reports: parsed.data.reports };
}

/** An eval-set report whose dataset reports come without their rows. */
const EvalSetReportHeadSchema = EvalSetReportSchema.extend({
  reports: z.array(DatasetReportHeadSchema),
});

/**
 * A report read in pieces, for files too large to hold as one string: each sample row is
 * checked as it arrives, then the rest of the report once the rows are out of it. Unless whole
 * rows are asked for, a row keeps what a comparison and a selection read (its id, tags, scores
 * and pass lines): outputs, repeats, ids retrieved and metric details are dropped.
 */
export class SavedReportBuilder {
  private readonly rows: SavedSampleRow[][] = [];

  constructor(
    private readonly source: string,
    private readonly wholeRows: boolean,
  ) {}

  /** A sample row: of the dataset report, or of the eval set's dataset report `report`. */
  row(report: number | undefined, value: unknown): void {
    const rows = (this.rows[report ?? 0] ??= []);
    const parsed = SampleRowSchema.safeParse(value);
    if (!parsed.success)
      throw new ReportFileError(
        formatIssues(
          this.source,
          parsed.error.issues.map((issue) => ({
            ...issue,
            path: [
              ...(report === undefined ? [] : ['reports', report]),
              'samples',
              rows.length,
              ...issue.path,
            ],
          })),
        ),
      );
    rows.push(this.wholeRows ? parsed.data : scoresOnly(parsed.data));
  }

  /** The whole report: `top` is the report with its `samples` lists emptied. */
  finish(top: unknown): SavedReport {
    if (checkedVersion(top, this.source) === REPORT_SCHEMA_V1) {
      const parsed = DatasetReportHeadSchema.safeParse(top);
      if (!parsed.success)
        throw new ReportFileError(formatIssues(this.source, parsed.error.issues));
      return { kind: 'dataset', report: { ...parsed.data, samples: this.rows[0] ?? [] } };
    }
    const parsed = EvalSetReportHeadSchema.safeParse(top);
    if (!parsed.success) throw new ReportFileError(formatIssues(this.source, parsed.error.issues));
    return {
      kind: 'eval-set',
      evalSet: parsed.data.eval_set,
      reports: parsed.data.reports.map((report, index) => ({
        ...report,
        samples: this.rows[index] ?? [],
      })),
    };
  }
}

/** What a comparison reads of a row: its id, tags, scores (no details) and pass lines. */
function scoresOnly(row: SavedSampleRow): SavedSampleRow {
  return {
    id: row.id,
    tags: row.tags,
    actual_output: '',
    scores: Object.fromEntries(
      Object.entries(row.scores).map(([name, entry]) => [name, { score: entry.score }]),
    ),
    ...(row.pass_lines === undefined ? {} : { pass_lines: row.pass_lines }),
  };
}
