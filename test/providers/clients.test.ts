// The clients talk to a real local HTTP server that speaks the OpenAI wire format.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricError } from '../../src/errors.js';
import {
  createEmbeddingsClient,
  createJudgeClient,
  retryAfterMs,
} from '../../src/providers/index.js';
import { OpenAiTestServer, chatBody, embeddingsBody } from '../helpers/openai-server.js';

let server: OpenAiTestServer;
beforeAll(async () => {
  server = await OpenAiTestServer.start();
});
afterAll(async () => {
  await server.stop();
});

const sleeps: number[] = [];
const options = (overrides: Record<string, unknown> = {}) => ({
  endpoint: `${server.url}/v1/embeddings`,
  apiKey: 'sk-test-SECRET',
  model: 'embedding-test',
  timeoutSeconds: 2,
  retryAttempts: 0,
  retrySleepMs: 0,
  sleep: async (ms: number) => void sleeps.push(ms),
  ...overrides,
});

describe('embeddings client', () => {
  it('sends the wire format and reorders by index', async () => {
    server.script({
      json: {
        data: [
          { index: 1, embedding: [0, '2.5'] },
          { index: 0, embedding: [1, 0] },
        ],
      },
    });
    const result = await createEmbeddingsClient(options()).embedMany(['first', 'second']);
    expect(result.vectors).toEqual([
      [1, 0],
      [0, 2.5],
    ]);
    expect(result.usage).toEqual({});
    expect(server.requests[0]?.url).toBe('/v1/embeddings');
    expect(server.requests[0]?.headers['authorization']).toBe('Bearer sk-test-SECRET');
    expect(server.requests[0]?.body).toEqual({
      model: 'embedding-test',
      input: ['first', 'second'],
    });
    server.script({
      json: {
        data: [
          { index: '01', embedding: [0, 2.5] },
          { index: '00', embedding: [1, 0] },
        ],
      },
    });
    expect((await createEmbeddingsClient(options()).embedMany(['a', 'b'])).vectors).toEqual([
      [1, 0],
      [0, 2.5],
    ]);
  });

  it('skips the call for no texts and omits the header without a key', async () => {
    server.script({ json: embeddingsBody([[1]]) });
    expect(await createEmbeddingsClient(options()).embedMany([])).toEqual({
      vectors: [],
      usage: {},
    });
    expect(server.requests).toHaveLength(0);
    await createEmbeddingsClient(options({ apiKey: '' })).embedMany(['x']);
    expect(server.requests[0]?.headers['authorization']).toBeUndefined();
  });

  it('extracts usage', async () => {
    server.script({
      json: embeddingsBody([[1]], {
        prompt_tokens: '3',
        completion_tokens: 0,
        total_tokens: 3,
        total_cost_usd: '0.0015',
        latency_ms: '18.25',
      }),
    });
    expect((await createEmbeddingsClient(options()).embedMany(['x'])).usage).toEqual({
      prompt_tokens: 3,
      completion_tokens: 0,
      total_tokens: 3,
      cost_usd: 0.0015,
      latency_ms: 18.25,
      model: 'embedding-test',
    });
  });

  it('never echoes the body or the key', async () => {
    server.script({ status: 503, text: 'secret prompt echo sk-test-SECRET' });
    const error = (await createEmbeddingsClient(options())
      .embedMany(['x'])
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toBe('Embeddings request failed: HTTP 503.');
  });

  it('retries 5xx and 429, honouring Retry-After, but not 4xx', async () => {
    sleeps.length = 0;
    server.script(
      { status: 500 },
      { status: 429, headers: { 'retry-after': '2' } },
      { json: embeddingsBody([[1, '2']]) },
    );
    expect(
      (
        await createEmbeddingsClient(options({ retryAttempts: 2, retrySleepMs: 100 })).embedMany([
          'x',
        ])
      ).vectors,
    ).toEqual([[1, 2]]);
    expect(server.requests).toHaveLength(3);
    expect(sleeps).toEqual([100, 2000]);
    server.script({ status: 400 });
    await expect(
      createEmbeddingsClient(options({ retryAttempts: 3 })).embedMany(['x']),
    ).rejects.toThrow('HTTP 400');
    expect(server.requests).toHaveLength(1);
  });

  it('retries transport failures and reports exhaustion', async () => {
    server.script({ hangUp: true }, { json: embeddingsBody([[0.5]]) });
    expect(
      (await createEmbeddingsClient(options({ retryAttempts: 1 })).embedMany(['x'])).vectors,
    ).toEqual([[0.5]]);
    server.script({ hangUp: true });
    const error = (await createEmbeddingsClient(options({ retryAttempts: 2 }))
      .embedMany(['x'])
      .catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(MetricError);
    expect(error.message).toMatch(
      /^Embeddings request failed before receiving a response after 3 attempt\(s\): .+\.$/,
    );
    expect(server.requests).toHaveLength(3);
  });

  it('times out slow answers as transport failures', async () => {
    server.script({ delayMs: 1500, json: embeddingsBody([[1]]) });
    await expect(
      createEmbeddingsClient(options({ timeoutSeconds: 1 })).embedMany(['x']),
    ).rejects.toThrow('failed before receiving a response after 1 attempt(s)');
  });

  it('does not wrap or retry programming errors', async () => {
    let calls = 0;
    const broken = (async () => {
      calls++;
      throw new RangeError('bad request setup');
    }) as unknown as typeof fetch;
    await expect(
      createEmbeddingsClient(options({ retryAttempts: 3, fetch: broken })).embedMany(['x']),
    ).rejects.toThrow(RangeError);
    expect(calls).toBe(1);
  });

  it('validates the payload', async () => {
    const client = createEmbeddingsClient(options());
    const cases: [unknown, string][] = [
      [{ data: [{ embedding: [1] }] }, 'returned 1 vector(s); expected 2'],
      [
        {
          data: [
            { index: 'first', embedding: [1] },
            { index: 1, embedding: [1] },
          ],
        },
        'index must be a non-negative integer or digit string',
      ],
      [
        { data: [{ index: 0, embedding: [1] }, { embedding: [1] }] },
        'indexes must be present on every data entry',
      ],
      [{ data: [{ embedding: ['nope'] }, { embedding: [1] }] }, 'contains non-numeric component'],
      [{ data: [{ embedding: ['1e309'] }, { embedding: [1] }] }, 'non-finite component'],
      [{}, 'missing data or it is not an array'],
      [{ data: [{ embedding: [] }, { embedding: [1] }] }, 'is not a non-empty array'],
    ];
    for (const [body, fragment] of cases) {
      server.script({ json: body });
      await expect(client.embedMany(['a', 'b'])).rejects.toThrow(fragment);
    }
    server.script({ json: { usage: { prompt_tokens: 4 } } });
    const error = (await client.embedMany(['a']).catch((e: unknown) => e)) as { usage: unknown };
    expect(error.usage).toEqual({ prompt_tokens: 4, model: 'embedding-test' });
  });
});

describe('judge client', () => {
  const judge = (overrides: Record<string, unknown> = {}) =>
    createJudgeClient(
      options({ endpoint: `${server.url}/v1/chat/completions`, model: 'judge-test', ...overrides }),
    );

  it('sends deterministic settings and returns the content verbatim', async () => {
    server.script({
      json: chatBody('{"score": 1.0, "reason": "ok"}', {
        prompt_tokens: 12,
        completion_tokens: '3',
        total_tokens: 15,
        cost_usd: '0.002',
        latency_ms: '24.5',
      }),
    });
    const result = await judge().judge('grade this');
    expect(result.content).toBe('{"score": 1.0, "reason": "ok"}');
    expect(result.usage).toEqual({
      prompt_tokens: 12,
      completion_tokens: 3,
      total_tokens: 15,
      cost_usd: 0.002,
      latency_ms: 24.5,
      model: 'judge-test',
    });
    const body = server.requests[0]?.body as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([
      'model',
      'temperature',
      'seed',
      'response_format',
      'messages',
    ]);
    expect(body).toMatchObject({
      model: 'judge-test',
      temperature: 0,
      seed: 42,
      response_format: { type: 'json_object' },
      messages: [{ role: 'user', content: 'grade this' }],
    });
  });

  it('fails cleanly', async () => {
    server.script({ status: 429, text: 'secret prompt echo' });
    await expect(judge().judge('p')).rejects.toThrow(/^LLM judge request failed: HTTP 429\.$/);
    server.script({ status: 429 }, { json: chatBody('fine') });
    expect((await judge({ retryAttempts: 1 }).judge('p')).content).toBe('fine');
    server.script({ json: { choices: [] } });
    await expect(judge().judge('p')).rejects.toThrow('missing choices[0].message.content');
    server.script({ text: 'not json at all' });
    await expect(judge().judge('p')).rejects.toThrow('missing choices[0].message.content');
  });
});

describe('Retry-After', () => {
  it('reads seconds and dates, capped at 60 s', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('600')).toBe(60_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 5_000)).toBe(5000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
