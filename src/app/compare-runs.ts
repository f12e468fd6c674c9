import { readFile } from 'node:fs/promises';
import { ReportFileError, errorMessage } from '../errors.js';
import {
  checkComparisonGateMetrics,
  comparedMetrics,
  compareReports,
  evaluateComparisonGates,
  parseSavedReport,
  savedReportOf,
  type Comparison,
  type ComparisonGate,
  type ComparisonGateResult,
  type GatedReport,
  type SavedReport,
} from '../reports/index.js';

/** Read and check a saved JSON report; every problem is one line naming the file (exit 2). */
export async function readSavedReport(path: string, source = path): Promise<SavedReport> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ReportFileError(
      code === 'ENOENT'
        ? `${source} does not exist; pass a JSON report written with --json.`
        : `${source} cannot be read: ${errorMessage(error)}`,
      { code: code === 'ENOENT' ? 'E_REPORT_MISSING' : 'E_REPORT_FILE', cause: error },
    );
  }
  return parseSavedReport(text, source);
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
}

/** Compare two saved reports (`eval-harness compare`). */
export async function compareReportFiles(
  base: { readonly path: string; readonly source: string },
  head: { readonly path: string; readonly source: string },
  request: CompareRequest,
): Promise<ComparedRuns> {
  const baseReport = await readSavedReport(base.path, base.source);
  const headReport = await readSavedReport(head.path, head.source);
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
