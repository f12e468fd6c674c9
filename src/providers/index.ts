export {
  MAX_RETRY_AFTER_MS,
  postJson,
  retryAfterMs,
  type ProviderRequestOptions,
  type ProviderResponse,
} from './http-client.js';
export { extractUsage, type ProviderUsage } from './provider-usage.js';
export {
  createEmbeddingsClient,
  withUsage,
  type EmbeddingsClient,
  type EmbeddingsClientOptions,
  type EmbeddingsResult,
} from './embeddings-client.js';
export {
  createJudgeClient,
  type JudgeClient,
  type JudgeClientOptions,
  type JudgeOptions,
  type JudgeResult,
} from './judge-client.js';
