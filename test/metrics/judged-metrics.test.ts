// The judged RAG metrics and judge votes, against a real local OpenAI-compatible server whose
// replies are recorded judge answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSample } from '../../src/datasets/index.js';
import { MetricRegistry } from '../../src/metrics/index.js';
import { createJudgeClient } from '../../src/providers/index.js';
import type { SutAnswer } from '../../src/sut/index.js';
import { OpenAiTestServer, chatBody, userMessage } from '../helpers/openai-server.js';

let server: OpenAiTestServer;
beforeAll(async () => {
  server = await OpenAiTestServer.start();
});
afterAll(async () => {
  await server.stop();
});

const registry = (judgeVotes?: number) =>
  new MetricRegistry({
    judge: createJudgeClient({
      apiKey: 'k',
      timeoutSeconds: 2,
      retryAttempts: 0,
      retrySleepMs: 0,
      endpoint: `${server.url}/v1/chat/completions`,
      model: 'judge-model',
    }),
    ...(judgeVotes === undefined ? {} : { judgeVotes }),
  });
const sample = createSample({
  id: 'refund-window',
  input: { question: 'How long is the refund window?' },
  expectedOutput: 'Refunds are accepted within 30 days with a receipt.',
});
const answer: SutAnswer = {
  output: 'You have 30 days, and shipping is free.',
  retrieved: [
    { id: 'policy', text: 'Refunds: within 30 days of purchase, receipt required.' },
    { id: 'blog', text: 'Our spring collection is here.' },
    { id: 'faq', text: 'A receipt is needed for every refund.' },
  ],
};
const judged = (content: unknown, usage = { prompt_tokens: 10, completion_tokens: 5 }) => ({
  json: chatBody(JSON.stringify(content), usage),
});
const scoreWith = (metric: string, with_: SutAnswer = answer) =>
  registry().resolve(metric).score(sample, with_.output, with_);

describe('judged RAG metrics, worked examples', () => {
  it('faithfulness: supported claims over all claims, listing the unsupported ones', async () => {
    server.script(
      judged({
        claims: [
          { claim: 'The refund window is 30 days.', supported: true },
          { claim: 'Shipping is free.', supported: false },
        ],
      }),
    );
    const score = await scoreWith('faithfulness');
    expect(score.score).toBe(0.5);
    expect(score.details).toMatchObject({
      claims: 2,
      supported: 1,
      unsupported_claims: ['Shipping is free.'],
      usage: { prompt_tokens: 10, completion_tokens: 5, model: 'judge-model' },
    });
    // The prompt numbers the retrieved texts in rank order and shows the answer.
    const prompt = userMessage(server.requests[0]!);
    expect(prompt).toContain('[1] Refunds: within 30 days of purchase, receipt required.');
    expect(prompt).toContain('[3] A receipt is needed for every refund.');
    expect(prompt).toContain('ANSWER: You have 30 days, and shipping is free.');
    // An answer with no factual claim has nothing unfaithful in it.
    server.script(judged({ claims: [] }));
    expect((await scoreWith('faithfulness')).score).toBe(1);
  });

  it('context-precision: precision at the rank of each relevant text, averaged', async () => {
    server.script(judged({ verdicts: [true, false, true] }));
    const score = await scoreWith('context-precision');
    // (1/1 + 2/3) / 2
    expect(score.score).toBeCloseTo(5 / 6, 12);
    expect(score.details).toMatchObject({ retrieved: 3, relevant: 2, relevant_ranks: [1, 3] });
    server.script(judged({ verdicts: [false, false, true] }));
    expect((await scoreWith('context-precision')).score).toBeCloseTo(1 / 3, 12);
    server.script(judged({ verdicts: [true] }));
    await expect(scoreWith('context-precision')).rejects.toThrow(
      "Sample 'refund-window' context-precision judge response 'verdicts' must be a list of 3 true/false values, one per retrieved text; got a list of 1.",
    );
  });

  it("context-recall: the expected answer's statements the retrieved texts hold", async () => {
    server.script(
      judged({
        statements: [
          { statement: 'Refunds within 30 days.', attributed: true },
          { statement: 'A receipt is required.', attributed: true },
          { statement: 'Store credit is offered.', attributed: false },
        ],
      }),
    );
    const score = await scoreWith('context-recall');
    expect(score.score).toBeCloseTo(2 / 3, 12);
    expect(score.details).toMatchObject({
      statements: 3,
      attributed: 2,
      missing_statements: ['Store credit is offered.'],
    });
    server.script(judged({ statements: [] }));
    await expect(scoreWith('context-recall')).rejects.toThrow(
      'lists no statements of the expected answer',
    );
  });

  it('answer-relevance: the judge grades how directly the answer addresses the question', async () => {
    server.script(judged({ score: 0.8, reason: 'Answers it, adds shipping.' }));
    const score = await scoreWith('answer-relevance');
    expect(score.score).toBe(0.8);
    expect(score.details['judge_reason']).toBe('Answers it, adds shipping.');
    expect(userMessage(server.requests[0]!)).toContain('QUESTION: How long is the refund window?');
  });

  it('a sample without retrieved texts is a failure naming it, never a pass, and no call is made', async () => {
    server.script(judged({ claims: [] }));
    await expect(scoreWith('faithfulness', { output: 'x' })).rejects.toThrow(
      "Sample 'refund-window' has no retrieved texts, so faithfulness cannot judge it",
    );
    await expect(
      scoreWith('context-recall', { output: 'x', retrieved: [{ id: 'policy' }] }),
    ).rejects.toThrow("Sample 'refund-window' retrieved 'policy' without text");
    expect(server.requests).toHaveLength(0);
  });

  it('a malformed reply is a failure that keeps the call usage and never echoes the reply', async () => {
    server.script(judged({ claims: 'secret reply text' }));
    const failure = await Promise.resolve()
      .then(() => scoreWith('faithfulness'))
      .catch((error: unknown) => error as Error);
    expect((failure as Error).message).toMatch(/'claims' must be a list of/);
    expect((failure as Error).message).not.toContain('secret reply text');
    expect((failure as Error & { usage: unknown }).usage).toMatchObject({ prompt_tokens: 10 });
  });
});

describe('judge votes', () => {
  /** Each vote is its own request: the judge answers by the request's seed. */
  const bySeed = (scores: Record<number, number>) =>
    server.route((request) => {
      const seed = (request.body as { seed: number }).seed;
      return judged({ score: scores[seed], reason: `seed ${seed}` });
    });

  it('asks n times with distinct seeds, scores the mean and records the spread', async () => {
    bySeed({ 42: 0.9, 43: 0.5, 44: 0.7 });
    const metric = registry().resolve({ name: 'llm-as-judge', options: { votes: 3 } });
    const score = await metric.score(sample, answer.output, answer);
    expect(score.score).toBeCloseTo(0.7, 12);
    expect(score.details).toMatchObject({
      judge_reason: 'seed 42',
      vote_scores: [0.9, 0.5, 0.7],
      usage: { prompt_tokens: 30, completion_tokens: 15, calls: 3, model: 'judge-model' },
    });
    expect(score.details['vote_spread']).toBeCloseTo(0.4, 12);
    const seeds = server.requests.map((request) => (request.body as { seed: number }).seed);
    expect(seeds.sort()).toEqual([42, 43, 44]);
  });

  it('alternates the order of the two answers in the built-in prompt, vote by vote', async () => {
    bySeed({ 42: 1, 43: 1 });
    await registry(2).resolve('llm-as-judge').score(sample, answer.output, answer);
    const order = (seed: number) => {
      const request = server.requests.find((r) => (r.body as { seed: number }).seed === seed)!;
      const prompt = userMessage(request);
      return prompt.indexOf('EXPECTED:') < prompt.indexOf('ACTUAL:')
        ? 'expected first'
        : 'actual first';
    };
    expect([order(42), order(43)]).toEqual(['expected first', 'actual first']);
  });

  it('a single vote keeps the details of one call (no vote fields)', async () => {
    bySeed({ 42: 0.6 });
    const score = await registry().resolve('answer-relevance').score(sample, 'x', answer);
    expect(score.details).not.toHaveProperty('vote_scores');
    expect(server.requests).toHaveLength(1);
  });

  it('refuses votes outside 1 to 10, naming the metric and the option', () => {
    expect(() => registry().resolve({ name: 'faithfulness', options: { votes: 11 } })).toThrow(
      "Metric 'faithfulness' option 'votes' must be 10 or fewer; got",
    );
    expect(() => registry().resolve({ name: 'faithfulness', options: { vote: 3 } })).toThrow(
      "Metric 'faithfulness' has no option 'vote' (did you mean 'votes'?)",
    );
  });
});
