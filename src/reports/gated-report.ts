import type { EvalReport } from './eval-report.js';
import type { ReportSummary } from './report-summary.js';
import type { ScoreGateResult } from './score-gate.js';

/** The schema of an eval set run's JSON report (written by the eval-set renderer, read by compare). */
export const EVAL_SET_RUN_SCHEMA_V1 = 'eval-harness.eval-set-run.v1';

/** One dataset's report with its summary and the results of its score gates, if any. */
export interface GatedReport {
  readonly report: EvalReport;
  readonly summary: ReportSummary;
  readonly gates: readonly ScoreGateResult[] | undefined;
}
