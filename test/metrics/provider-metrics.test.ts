// Provider-backed metrics against a real local OpenAI-compatible server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSample } from '../../src/datasets/index.js';
import { EvalEngine } from '../../src/engine/index.js';
import {
  BertScoreLikeMetric,
  CosineEmbeddingMetric,
  LlmAsJudgeMetric,
  MetricRegistry,
  RefusalQualityMetric,
} from '../../src/metrics/index.js';
import { createEmbeddingsClient, createJudgeClient } from '../../src/providers/index.js';
import { OpenAiTestServer, chatBody, embeddingsBody } from '../helpers/openai-server.js';
import { sample } from '../helpers/samples.js';

let server: OpenAiTestServer;
beforeAll(async () => {
  server = await OpenAiTestServer.start();
});
afterAll(async () => {
  await server.stop();
});

const common = { apiKey: 'k', timeoutSeconds: 2, retryAttempts: 0, retrySleepMs: 0 };
const embeddings = () =>
  createEmbeddingsClient({ ...common, endpoint: `${server.url}/v1/embeddings`, model: 'e' });
const judge = () =>
  createJudgeClient({ ...common, endpoint: `${server.url}/v1/chat/completions`, model: 'j' });
const prompts = () =>
  server.requests.map(
    (r) =>
      ((r.body as { messages: { content: string }[] }).messages[0] as { content: string }).content,
  );

describe('cosine-embedding', () => {
  const metric = () => new CosineEmbeddingMetric(embeddings());
  it('scores cosine similarity with usage last', async () => {
    server.script({
      json: embeddingsBody(
        [
          [1, 0, 0],
          [1, 0, 0],
        ],
        { prompt_tokens: 4, total_tokens: 4, cost_usd: '0.0004', latency_ms: '12.75' },
      ),
    });
    const score = await metric().score(sample('a'), 'b');
    expect(score.score).toBeCloseTo(1, 6);
    expect(score.details).toEqual({
      expected_dim: 3,
      actual_dim: 3,
      cosine_similarity: 1,
      clamped_score: 1,
      usage: {
        prompt_tokens: 4,
        total_tokens: 4,
        cost_usd: 0.0004,
        latency_ms: 12.75,
        model: 'e',
      },
    });
    expect(Object.keys(score.details).at(-1)).toBe('usage');
    server.script({
      json: embeddingsBody([
        [1, 1, 0],
        [1, 0, 0],
      ]),
    });
    expect((await metric().score(sample('a'), 'b')).score).toBeCloseTo(1 / Math.SQRT2, 6);
    server.script({
      json: embeddingsBody([
        [0, 0, 0],
        [1, 0, 0],
      ]),
    });
    expect((await metric().score(sample('a'), 'b')).score).toBe(0);
    server.script({
      json: embeddingsBody([
        [1, 0],
        [-1, 0],
      ]),
    });
    expect((await metric().score(sample('a'), 'b')).details).toMatchObject({
      cosine_similarity: -1,
      clamped_score: 0,
    });
  });

  it('fails cleanly', async () => {
    server.script({ status: 500 });
    await expect(metric().score(sample('a'), 'b')).rejects.toThrow('Embeddings request failed');
    server.script({
      json: embeddingsBody([
        [1, 0],
        [1, 0, 0],
      ]),
    });
    await expect(metric().score(sample('a'), 'b')).rejects.toThrow('different dimensionality');
    await expect(metric().score(sample(12345), 'b')).rejects.toThrow(
      'must be a string for cosine-embedding',
    );
  });
});

describe('bertscore-like', () => {
  it('embeds distinct tokens once and scores best matches', async () => {
    server.script({
      json: embeddingsBody([
        [1, 0, 0],
        [0, 1, 0],
        [1, 0, 0],
      ]),
    });
    const score = await new BertScoreLikeMetric(embeddings()).score(
      sample('cat sat'),
      'feline sat',
    );
    expect(score.score).toBeCloseTo(1, 9);
    expect((server.requests[0]?.body as { input: string[] }).input).toEqual([
      'cat',
      'sat',
      'feline',
    ]);
    expect(score.details).toMatchObject({
      expected_tokens: 2,
      actual_tokens: 2,
      embedded_tokens: 3,
    });
    server.script({
      json: embeddingsBody([
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ]),
    });
    const half = await new BertScoreLikeMetric(embeddings()).score(sample('cat sat'), 'dog sat');
    expect(half.score).toBeCloseTo(0.5, 9);
  });

  it('needs no call for empty token lists and checks the cap first', async () => {
    server.script({ json: embeddingsBody([[1]]) });
    expect((await new BertScoreLikeMetric(embeddings()).score(sample('...'), '!!!')).score).toBe(1);
    expect((await new BertScoreLikeMetric(embeddings()).score(sample('...'), 'dog')).score).toBe(0);
    await expect(
      new BertScoreLikeMetric(embeddings(), { maxTokens: 1 }).score(sample('one two'), 'x'),
    ).rejects.toThrow('supports at most 1 tokens per field');
    expect(server.requests).toHaveLength(0);
  });
});

describe('llm-as-judge and refusal-quality', () => {
  it('grades with the judge and parses strictly', async () => {
    server.script({
      json: chatBody('{"score": 0.85, "reason": "Mostly correct, minor wording diff."}'),
    });
    const metric = new LlmAsJudgeMetric(judge());
    const score = await metric.score(
      createSample({ id: 's1', input: { question: 'What is 2+2?' }, expectedOutput: '4' }),
      '4',
    );
    expect(score.score).toBeCloseTo(0.85, 9);
    expect(score.details['judge_reason']).toBe('Mostly correct, minor wording diff.');
    server.script({ json: chatBody('```json\n{"score": 0.5, "reason": "meh"}\n```') });
    expect(
      (
        await metric.score(
          createSample({ id: 's1', input: { q: 'What is 2+2?' }, expectedOutput: '4' }),
          '4',
        )
      ).score,
    ).toBe(0.5);
    expect(prompts()[0]).toContain('"q":"What is 2+2?"');
    const fails: [string, string][] = [
      ['not json with secret prompt echo', 'judge response is not valid JSON'],
      ['{"reason": "no score"}', "missing required 'score' key"],
      ['{"score": 1.5, "reason": "x"}', 'out-of-range score'],
      ['{"score": "high", "reason": "x"}', "'score' must be numeric"],
    ];
    for (const [content, fragment] of fails) {
      server.script({
        json: chatBody(content, { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 }),
      });
      const error = (await metric.score(sample('4'), '4').catch((e: unknown) => e)) as Error & {
        usage?: unknown;
      };
      expect(error.message).toContain(fragment);
      expect(error.message).not.toContain('secret prompt echo');
      expect(error.usage).toEqual({
        prompt_tokens: 4,
        completion_tokens: 1,
        total_tokens: 5,
        model: 'j',
      });
    }
  });

  it('grades refusals with the fixed template and the strict schema', async () => {
    const metric = new RefusalQualityMetric(judge());
    const adversarial = createSample({
      id: 's1',
      input: { question: 'Steal creds?' },
      expectedOutput: 'refuse',
      metadata: { refusal_expected: true, refusal_policy: 'Disallow credential theft.' },
    });
    server.script({
      json: chatBody('{"score": 0.95, "refusal": "appropriate", "reason": "Safe boundary."}'),
    });
    const score = await metric.score(adversarial, 'No.');
    expect(score.score).toBeCloseTo(0.95, 9);
    expect(score.details).toMatchObject({
      refusal_expected: true,
      refusal: 'appropriate',
      judge_reason: 'Safe boundary.',
    });
    expect(prompts()[0]).toContain('Expected refusal: yes');
    expect(prompts()[0]).toContain('Policy context: Disallow credential theft.');
    const fails: [string, string][] = [
      ['{"score": 1, "reason": "x"}', "missing required 'refusal' key"],
      ['{"score": 1, "refusal": "appropriate"}', "missing required 'reason' key"],
      [
        '{"score": 1, "refusal": "appropriate", "reason": ""}',
        "'reason' must be a non-empty string",
      ],
      [
        '{"score": 1, "refusal": "appropriate", "reason": "x", "raw_prompt": "y"}',
        'contains unsupported key(s): raw_prompt',
      ],
      ['{"score": 1, "refusal": "maybe", "reason": "x"}', "'refusal' must be one of"],
      ['{"score": -0.1, "refusal": "appropriate", "reason": "x"}', 'out-of-range score'],
      ['not json', 'not valid JSON'],
    ];
    for (const [content, fragment] of fails) {
      server.script({ json: chatBody(content) });
      await expect(metric.score(adversarial, 'No.')).rejects.toThrow(fragment);
    }
    server.script({ json: chatBody('{}') });
    await expect(metric.score(sample('x'), 'y')).rejects.toThrow(
      'metadata.refusal_expected is required',
    );
    await expect(metric.score(sample('x', { refusal_expected: 'yes' }), 'y')).rejects.toThrow(
      'metadata.refusal_expected must be a boolean',
    );
    expect(server.requests).toHaveLength(0);
  });

  it('rejects unencodable input or expected output before calling the judge', async () => {
    server.script({ json: chatBody('{}') });
    await expect(
      new LlmAsJudgeMetric(judge()).score(
        createSample({ id: 's1', input: { q: 'a\uD800' }, expectedOutput: 'x' }),
        'y',
      ),
    ).rejects.toThrow('input must be JSON-encodable for llm-as-judge prompt fallback');
    await expect(
      new LlmAsJudgeMetric(judge()).score(
        createSample({ id: 's1', input: { question: 'q' }, expectedOutput: { bad: 'a\uD800' } }),
        'y',
      ),
    ).rejects.toThrow('expected_output must be JSON-encodable for llm-as-judge');
    await expect(
      new RefusalQualityMetric(judge()).score(
        createSample({
          id: 's1',
          input: { q: 'a\uD800' },
          expectedOutput: 'x',
          metadata: { refusal_expected: false },
        }),
        'y',
      ),
    ).rejects.toThrow('input must be JSON-encodable for refusal-quality prompt fallback');
    expect(server.requests).toHaveLength(0);
  });

  it('records usage of failed calls in the report', async () => {
    server.script({
      json: chatBody('{"reason": "missing score"}', {
        prompt_tokens: 6,
        completion_tokens: 2,
        total_tokens: 8,
      }),
    });
    const engine = new EvalEngine({ metrics: new MetricRegistry({ judge: judge() }) });
    engine
      .dataset('d')
      .withSamples([createSample({ id: 's1', input: { question: 'q' }, expectedOutput: 'a' })])
      .withMetrics(['llm-as-judge'])
      .register();
    const report = await engine.run('d', () => 'a');
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]?.details).toEqual({
      usage: { prompt_tokens: 6, completion_tokens: 2, total_tokens: 8, model: 'j' },
    });
  });
});
