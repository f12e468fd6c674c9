export { clampUnit, createMetricScore, isMetric, type Metric, type MetricScore } from './metric.js';
export { normalizeQuote, tokenizeWords } from './text.js';
export { ExactMatchMetric } from './exact-match.js';
export { ContainsMetric } from './contains.js';
export { RegexMetric } from './regex.js';
export { compileDelimitedPattern } from './regex-pattern.js';
export { RougeLMetric, longestCommonSubsequence, type RougeLOptions } from './rouge-l.js';
export { CitationGroundednessMetric } from './citation-groundedness.js';
export {
  MetricRegistry,
  type MetricProviders,
  builtinMetrics,
  type BuiltinMetricName,
  type MetricFactory,
  type MetricSpec,
} from './metric-registry.js';
export {
  BertScoreLikeMetric,
  CosineEmbeddingMetric,
  LlmAsJudgeMetric,
  PROVIDER_OF_METRIC,
  RefusalQualityMetric,
  judgePrompts,
} from './provider-metrics.js';
export {
  AnswerContainmentAtKMetric,
  DEFAULT_RETRIEVAL_K,
  RetrievalHitAtKMetric,
  RetrievalMrrMetric,
  RetrievalNdcgAtKMetric,
  RetrievalRecallAtKMetric,
  retrievalMetricFactories,
} from './retrieval.js';
export {
  ApprovalGatedMetric,
  NoPendingApprovalsMetric,
  StepsBelowMetric,
  ToolCallOrderMetric,
  ToolCalledMetric,
  ToolCalledWithMetric,
  ToolNotCalledMetric,
} from './trajectory.js';
