export {
  REPORT_SCHEMA_V1,
  RUN_STATUSES,
  createEvalReport,
  datasetSampleCount,
  durationSeconds,
  passLineOf,
  runOutcomeLine,
  type EvalReport,
  type RunStatus,
  type SampleError,
  type ScoringProvider,
  type SampleFailure,
  type BudgetOutcome,
  type SampleRepeat,
  type SampleResult,
  type SampleResultList,
} from './eval-report.js';
export {
  AGGREGATE_NAMES,
  PASS_THRESHOLD,
  aggregateScores,
  histogram,
  mean,
  passRate,
  percentile,
  round10,
  type AggregateName,
  type HistogramBucket,
  type MetricAggregate,
} from './aggregates.js';
export {
  knownCostOf,
  summarizeUsage,
  type ModelUsage,
  type PriceBook,
  type UsageSummary,
} from './usage-summary.js';
export {
  compareCodePoints,
  sampleAdversarial,
  summarizeAdversarial,
  type AdversarialSummary,
  type SampleAdversarial,
} from './adversarial-summary.js';
export {
  reportMetricNames,
  summarizeReport,
  sutUsage,
  type CohortSummary,
  type ReportSummary,
  type SummaryOptions,
} from './report-summary.js';
export {
  checkGateMetrics,
  evaluateScoreGates,
  parseScoreGate,
  scoreGateFailureLines,
  type ScoreGate,
  type ScoreGateResult,
} from './score-gate.js';
export {
  buildReportJson,
  renderJsonReport,
  renderJsonReportChunks,
  type ReportJsonExtras,
} from './json-renderer.js';
export { markdownCell, renderMarkdownReport, type MarkdownExtras } from './markdown-renderer.js';
export { renderJunitReport, renderJunitReports } from './junit-renderer.js';
export { EVAL_SET_RUN_SCHEMA_V1, type GatedReport } from './gated-report.js';
export {
  notPassingIds,
  parseSavedReport,
  SavedReportBuilder,
  savedPassLineOf,
  type SavedAnswerRow,
  type SavedDatasetReport,
  type SavedReport,
  type SavedSampleRow,
} from './report-file.js';
export {
  COMPARISON_SCHEMA_V1,
  DEFAULT_CONFIDENCE,
  checkComparisonGateMetrics,
  compareDatasetReports,
  comparedMetrics,
  compareReports,
  evaluateComparisonGates,
  parseConfidence,
  parseMaxDropGate,
  parseMaxRegressedGate,
  savedReportOf,
  type Comparison,
  type ComparisonGate,
  type ComparisonGateResult,
  type CompareOptions,
  type DatasetComparison,
  type SampleCrossing,
  type ValueDelta,
} from './comparison.js';
export {
  mcnemarExactP,
  pairedStatistics,
  studentTQuantile,
  type PairedStatistics,
  type PairedVerdict,
} from './paired-stats.js';
export {
  buildComparisonJson,
  renderComparison,
  renderComparisonMarkdown,
  statisticsLine,
  type ComparisonSources,
  type RenderedComparison,
} from './comparison-renderer.js';
export {
  comparePageModel,
  runPageModel,
  type HtmlGate,
  type HtmlModel,
} from './html/html-model.js';
export { renderHtmlPage } from './html/html-page.js';
export { renderCsvReport } from './csv-renderer.js';
export { samplesBelowPassLine, type ShortSample } from './below-pass-line.js';
export { STEP_SUMMARY_ROWS, renderStepSummary } from './step-summary.js';
