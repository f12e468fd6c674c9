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
  PROVIDER_OF_METRIC,
} from './provider-metrics.js';
export {
  AnswerRelevanceMetric,
  ContextPrecisionMetric,
  ContextRecallMetric,
  FaithfulnessMetric,
  LlmAsJudgeMetric,
  MAX_JUDGE_VOTES,
  RefusalQualityMetric,
} from './judged-metrics.js';
export { JUDGE_PROMPTS_VERSION, judgePrompts } from './judge-prompts.js';
export {
  hasOptions,
  type MetricContext,
  type MetricEntry,
  type MetricOptions,
} from './metric-options.js';
export {
  ContainsAllMetric,
  ContainsAnyMetric,
  ContainsJsonMetric,
  CostMetric,
  EqualsMetric,
  IsJsonMetric,
  LatencyMetric,
  LevenshteinMetric,
  NotContainsMetric,
  StartsWithMetric,
} from './assertions.js';
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
