import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { JSONParser } from '@streamparser/json';
import { ReportFileError, errorMessage } from '../errors.js';
import {
  checkComparisonGateMetrics,
  comparedMetrics,
  compareReports,
  evaluateComparisonGates,
  parseSavedReport,
  savedReportOf,
  SavedReportBuilder,
  type Comparison,
  type ComparisonGate,
  type ComparisonGateResult,
  type GatedReport,
  type SavedReport,
} from '../reports/index.js';

/**
 * Reports larger than this are read as a stream rather than as one string: V8 cannot hold a
 * string of much more than 512 MB, which a report of about 400,000 samples passes.
 */
export const STREAMED_REPORT_BYTES = 128 * 1024 * 1024;

export interface ReadReportOptions {
  /**
   * Keep whole rows (outputs, repeats, details) when the report is streamed: merging and
   * resuming write them back, and a comparison page shows them. Otherwise a streamed report
   * keeps what a comparison reads: ids, tags, scores and pass lines.
   */
  readonly wholeRows?: boolean;
  /** @defaultValue STREAMED_REPORT_BYTES */
  readonly streamAbove?: number;
}

/** Read and check a saved JSON report; every problem is one line naming the file (exit 2). */
export async function readSavedReport(
  path: string,
  source = path,
  options: ReadReportOptions = {},
): Promise<SavedReport> {
  const unreadable = (error: unknown): ReportFileError => {
    const code = (error as NodeJS.ErrnoException).code;
    return new ReportFileError(
      code === 'ENOENT'
        ? `${source} does not exist; pass a JSON report written with --json.`
        : `${source} cannot be read: ${errorMessage(error)}`,
      { code: code === 'ENOENT' ? 'E_REPORT_MISSING' : 'E_REPORT_FILE', cause: error },
    );
  };
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw unreadable(error);
  }
  if (size > (options.streamAbove ?? STREAMED_REPORT_BYTES))
    return streamSavedReport(path, source, options.wholeRows === true, unreadable);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw unreadable(error);
  }
  return parseSavedReport(text, source);
}

/**
 * A large report read as a stream: each sample row is taken out of the parsed document as soon as
 * it is complete and checked on its own, so the document in memory never holds the rows twice
 * and no string holds the whole file.
 */
async function streamSavedReport(
  path: string,
  source: string,
  wholeRows: boolean,
  unreadable: (error: unknown) => ReportFileError,
): Promise<SavedReport> {
  const builder = new SavedReportBuilder(source, wholeRows);
  let top: unknown;
  const parser = new JSONParser({
    paths: ['$', '$.samples.*', '$.reports.*.samples.*'],
    stringBufferSize: 64 * 1024,
  });
  parser.onValue = ({ value, parent, stack }) => {
    if (stack.length === 0) {
      top = value;
      return;
    }
    // A row: [root, samples] in a dataset report, [root, reports, report, samples] in a set's.
    builder.row(stack.length === 4 ? Number(stack[2]?.key) : undefined, value);
    (parent as unknown[]).pop();
  };
  const notJson = (error: unknown) =>
    new ReportFileError(
      `${source} is not JSON (${errorMessage(error)}); pass a report written with --json.`,
    );
  try {
    for await (const chunk of createReadStream(path)) {
      try {
        parser.write(chunk as Buffer);
      } catch (error) {
        throw error instanceof ReportFileError ? error : notJson(error);
      }
    }
  } catch (error) {
    throw error instanceof ReportFileError ? error : unreadable(error);
  }
  if (top === undefined) throw notJson(new Error('the file ends before the report does'));
  return builder.finish(top);
}

/** Two reports compared, with the gates applied. */
export interface ComparedRuns {
  readonly comparison: Comparison;
  readonly gates: readonly ComparisonGateResult[];
  readonly base: SavedReport;
  readonly head: SavedReport;
}

export interface CompareRequest {
  readonly gates: readonly ComparisonGate[];
  readonly allowDatasetMismatch?: boolean;
  /** The level of every interval. @defaultValue 0.95 */
  readonly confidence?: number;
  /** Gate on evidence (intervals, McNemar) instead of point estimates. */
  readonly significant?: boolean;
  /** Keep whole rows of a streamed report (the HTML page shows outputs and details). */
  readonly wholeRows?: boolean;
}

/** Compare two saved reports (`eval-harness compare`). */
export async function compareReportFiles(
  base: { readonly path: string; readonly source: string },
  head: { readonly path: string; readonly source: string },
  request: CompareRequest,
): Promise<ComparedRuns> {
  const reading = { wholeRows: request.wholeRows === true };
  const baseReport = await readSavedReport(base.path, base.source, reading);
  const headReport = await readSavedReport(head.path, head.source, reading);
  const comparison = compareReports(baseReport, headReport, {
    baseSource: base.source,
    headSource: head.source,
    ...(request.allowDatasetMismatch === true ? { allowDatasetMismatch: true } : {}),
    ...(request.confidence === undefined ? {} : { confidence: request.confidence }),
  });
  checkComparisonGateMetrics(request.gates, comparedMetrics(comparison), 'neither report has');
  return {
    comparison,
    gates: evaluateComparisonGates(comparison, request.gates, {
      significant: request.significant === true,
    }),
    base: baseReport,
    head: headReport,
  };
}

/** A baseline report loaded before a run (`--baseline`), checked against what will run. */
export interface Baseline {
  readonly source: string;
  readonly report: SavedReport;
  readonly gates: readonly ComparisonGate[];
  /** @defaultValue 0.95 */
  readonly confidence?: number;
  readonly significant?: boolean;
}

/**
 * Check, before anything runs, that the baseline can be compared with this run: same kind of
 * report, same dataset or eval set, and every `--max-drop` metric scored by one of them. A
 * mismatch found after an hour-long run would cost the run.
 */
export function checkBaseline(
  baseline: Baseline,
  run: {
    readonly evalSet?: string;
    readonly datasets: readonly string[];
    readonly metrics: readonly string[];
  },
): void {
  const { report, source } = baseline;
  if (run.evalSet === undefined && report.kind !== 'dataset')
    throw new ReportFileError(
      `${source} is an eval-set report; --baseline of a dataset run needs a dataset report.`,
    );
  if (run.evalSet !== undefined && report.kind !== 'eval-set')
    throw new ReportFileError(
      `${source} is a dataset report; --baseline with --eval-set needs an eval-set report.`,
    );
  if (report.kind === 'dataset' && report.report.dataset !== run.datasets[0])
    throw new ReportFileError(
      `${source} is a report of dataset '${report.report.dataset}', not '${run.datasets[0] ?? ''}'; pass a baseline of the same dataset.`,
    );
  if (report.kind === 'eval-set' && report.evalSet !== run.evalSet)
    throw new ReportFileError(
      `${source} is a report of eval set '${report.evalSet}', not '${run.evalSet ?? ''}'; pass a baseline of the same eval set.`,
    );
  const known = new Set(run.metrics);
  const reports = report.kind === 'dataset' ? [report.report] : report.reports;
  for (const saved of reports) for (const name of Object.keys(saved.metrics)) known.add(name);
  checkComparisonGateMetrics(baseline.gates, known, `neither this run nor ${source} scores`);
}

/** Compare finished runs with their baseline and apply its gates. */
export function compareWithBaseline(
  baseline: Baseline,
  outcomes: readonly GatedReport[],
  evalSet?: string,
): { readonly comparison: Comparison; readonly gates: readonly ComparisonGateResult[] } {
  const reports = outcomes.map((outcome) => savedReportOf(outcome.report, outcome.summary));
  const head: SavedReport =
    evalSet === undefined
      ? { kind: 'dataset', report: reports[0] as (typeof reports)[number] }
      : { kind: 'eval-set', evalSet, reports };
  const comparison = compareReports(baseline.report, head, {
    baseSource: baseline.source,
    headSource: 'this run',
    ...(baseline.confidence === undefined ? {} : { confidence: baseline.confidence }),
  });
  return {
    comparison,
    gates: evaluateComparisonGates(comparison, baseline.gates, {
      significant: baseline.significant === true,
    }),
  };
}
