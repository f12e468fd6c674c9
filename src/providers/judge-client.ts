import { MetricError } from '../errors.js';
import { isPlainObject } from '../values.js';
import { withUsage } from './embeddings-client.js';
import { postJson, type ProviderRequestOptions } from './http-client.js';
import { extractUsage, type ProviderUsage } from './provider-usage.js';

export interface JudgeResult {
  readonly content: string;
  readonly usage: ProviderUsage;
}

export interface JudgeOptions {
  /**
   * Which of a metric's votes this call is (0 for the first). Each vote is its own request with
   * its own seed, so the response cache keeps one answer per vote rather than answering every
   * vote with the first one's reply.
   */
  readonly vote?: number;
}

export interface JudgeClient {
  judge(prompt: string, options?: JudgeOptions): Promise<JudgeResult>;
}

export type JudgeClientOptions = Omit<ProviderRequestOptions, 'operation'> & {
  readonly model: string;
};

/**
 * An OpenAI-compatible chat-completions judge with deterministic settings: temperature 0 and a
 * fixed seed per vote. Judges still vary between identical requests (batching on the provider's
 * side); votes measure that variation instead of hiding it.
 */
export function createJudgeClient(options: JudgeClientOptions): JudgeClient {
  return {
    async judge(prompt, { vote = 0 } = {}) {
      const response = await postJson(
        {
          model: options.model,
          temperature: 0,
          seed: 42 + vote,
          response_format: { type: 'json_object' },
          messages: [{ role: 'user', content: prompt }],
        },
        { ...options, operation: 'LLM judge' },
      );
      if (response.status >= 400)
        throw new MetricError(`LLM judge request failed: HTTP ${response.status}.`);
      const usage = extractUsage(response.body, options.model);
      const choices = isPlainObject(response.body) ? response.body['choices'] : undefined;
      const first = Array.isArray(choices) ? choices[0] : undefined;
      const message = isPlainObject(first) ? first['message'] : undefined;
      const content = isPlainObject(message) ? message['content'] : undefined;
      if (typeof content !== 'string' || content === '') {
        throw withUsage(
          new MetricError(
            'LLM judge response missing choices[0].message.content (or it is empty).',
          ),
          usage,
        );
      }
      return { content, usage };
    },
  };
}
