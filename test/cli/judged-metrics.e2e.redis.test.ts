// The judged RAG metrics and judge votes through the built CLI, with a real local judge server
// speaking the OpenAI wire format: the same report serially, concurrently, over the queue and
// from saved outputs; the most disputed scores listed; a sample without retrieved texts named.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkspace, runCli } from '../helpers/cli.js';
import { OpenAiTestServer, chatBody, userMessage } from '../helpers/openai-server.js';
import { RedisServer } from '../helpers/redis-server.js';

let judge: OpenAiTestServer;
let redis: RedisServer;
beforeAll(async () => {
  [judge, redis] = await Promise.all([OpenAiTestServer.start(), RedisServer.start()]);
});
afterAll(async () => {
  await Promise.all([judge.stop(), redis.stop()]);
});

const DATASET = `name: rag.judged
samples:
  - id: refund-window
    input: { question: How long is the refund window? }
    expected_output: Refunds are accepted within 30 days with a receipt.
  - id: warranty
    input: { question: How long is the warranty? }
    expected_output: Two years.
`;

const ANSWERS = {
  'refund-window': {
    output: 'You have 30 days, and shipping is free.',
    retrieved: [
      { id: 'policy', text: 'Refunds within 30 days of purchase, receipt required.' },
      { id: 'blog', text: 'Our spring collection is here.' },
    ],
  },
  warranty: {
    output: 'Every product has a two-year warranty.',
    retrieved: [{ id: 'warranty', text: 'All products carry a two-year warranty.' }],
  },
};

/** Recorded judge replies, chosen by what the prompt asks (requests arrive in any order). */
function answerAsJudge(): void {
  judge.route((request) => {
    const prompt = userMessage(request);
    const seed = (request.body as { seed: number }).seed;
    const reply = (content: unknown) => ({
      json: chatBody(JSON.stringify(content), { prompt_tokens: 100, completion_tokens: 20 }),
    });
    const refund = prompt.includes('refund window');
    if (prompt.includes('List every factual claim'))
      return reply({
        claims: refund
          ? [
              { claim: 'The window is 30 days.', supported: true },
              { claim: 'Shipping is free.', supported: false },
            ]
          : [{ claim: 'The warranty is two years.', supported: true }],
      });
    if (prompt.includes('CONTEXTS:')) return reply({ verdicts: refund ? [false, true] : [true] });
    if (prompt.includes('Split the EXPECTED'))
      return reply({
        statements: [{ statement: 'The stated fact.', attributed: true }],
      });
    // answer-relevance, three votes: the judge wavers on the refund answer only.
    const score = refund ? ({ 42: 0.9, 43: 0.3, 44: 0.6 } as Record<number, number>)[seed] : 1;
    return reply({ score, reason: 'graded' });
  });
}

async function workspace(sut = `export default ({ id }) => (${JSON.stringify(ANSWERS)})[id];\n`) {
  return makeWorkspace({
    'golden.yml': DATASET,
    'sut.mjs': sut,
    'eval-harness.config.json': JSON.stringify({
      datasets: {
        'rag.judged': {
          path: 'golden.yml',
          metrics: [
            'faithfulness',
            'context-precision',
            'context-recall',
            { name: 'answer-relevance', votes: 3 },
          ],
        },
      },
      sut: { type: 'module', path: './sut.mjs' },
      providers: {
        judge: { endpoint: `${judge.url}/v1/chat/completions`, model: 'judge-model' },
      },
    }),
  });
}

const env = { OPENAI_API_KEY: 'sk-test' };

describe('judged RAG metrics from the CLI', () => {
  it('gives one report serially, concurrently, over the queue and from saved outputs', async () => {
    answerAsJudge();
    const dir = await workspace();
    const run = async (flags: string[]) => {
      const result = await runCli(
        ['run', 'rag.judged', '--json', '--no-progress', '--no-cache', ...flags],
        { cwd: dir, env },
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout);
      return { metrics: report.metrics, samples: report.samples, failures: report.failures };
    };
    const serial = await run([]);
    const bySample = Object.fromEntries(
      serial.samples.map((s: { id: string; scores: Record<string, { score: number }> }) => [
        s.id,
        Object.fromEntries(Object.entries(s.scores).map(([name, v]) => [name, v.score])),
      ]),
    );
    expect(bySample['refund-window']).toMatchObject({
      faithfulness: 0.5,
      // Relevant at rank 2 only: precision@2 = 1/2.
      'context-precision': 0.5,
      'context-recall': 1,
    });
    expect(bySample['refund-window']?.['answer-relevance']).toBeCloseTo(0.6, 12);
    expect(bySample['warranty']).toEqual({
      faithfulness: 1,
      'context-precision': 1,
      'context-recall': 1,
      'answer-relevance': 1,
    });

    expect(await run(['--batch=concurrent', '--concurrency=4'])).toEqual(serial);
    expect(
      await run([
        '--batch=lazy-parallel',
        '--local-workers=2',
        '--queue',
        'judged-rag',
        '--redis-url',
        redis.url,
      ]),
    ).toEqual(serial);
    await writeFile(join(dir, 'outputs.json'), JSON.stringify({ outputs: ANSWERS }));
    expect(await run(['--outputs', 'outputs.json'])).toEqual(serial);
  });

  it('lists the scores whose votes disagree most, and fingerprints the judge with its votes', async () => {
    answerAsJudge();
    const dir = await workspace();
    const result = await runCli(['run', 'rag.judged', '--json', '--no-progress', '--no-cache'], {
      cwd: dir,
      env,
    });
    const report = JSON.parse(result.stdout);
    expect(report.judge_disagreement).toHaveLength(1);
    expect(report.judge_disagreement[0]).toMatchObject({
      sample_id: 'refund-window',
      metric: 'answer-relevance',
      votes: [0.9, 0.3, 0.6],
    });
    expect(report.judge_disagreement[0].spread).toBeCloseTo(0.6, 12);
    // Three votes: three calls of the judge for that metric and sample, counted as such.
    expect(report.usage.by_model['judge-model'].calls).toBe(2 * 3 + 2 * 3);
    const markdown = await runCli(['run', 'rag.judged', '--no-progress', '--no-cache'], {
      cwd: dir,
      env,
    });
    expect(markdown.stdout).toContain('## Judge disagreement');
    expect(markdown.stdout).toContain(
      '| <code>refund-window</code> | answer-relevance | 0.60 | 0.90, 0.30, 0.60 |',
    );
    expect(report.providers.judge.model).toBe('judge-model');
    expect(report.providers.judge.fingerprint).toMatch(/^[0-9a-f]{12}$/);
  });

  it('caches each vote under its own key: a second run asks nothing and scores the same', async () => {
    answerAsJudge();
    const dir = await workspace();
    const run = async () => {
      const result = await runCli(['run', 'rag.judged', '--json', '--no-progress'], {
        cwd: dir,
        env,
      });
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout);
      return report.samples.map(
        (s: { scores: Record<string, { score: number }> }) => s.scores['answer-relevance']?.score,
      );
    };
    const first = await run();
    expect(judge.requests).toHaveLength(2 * 3 + 2 * 3);
    judge.route(() => ({ status: 500 }));
    expect(await run()).toEqual(first);
    expect(judge.requests).toHaveLength(0);
    expect(first[0]).toBeCloseTo(0.6, 12);
  });

  it('fails a sample whose answer has no retrieved texts, naming it, and exits 1', async () => {
    answerAsJudge();
    const dir = await workspace(`export default () => 'an answer without retrieval';\n`);
    const result = await runCli(['run', 'rag.judged', '--json', '--no-progress', '--no-cache'], {
      cwd: dir,
      env,
    });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.failures).toContainEqual({
      sample_id: 'warranty',
      metric: 'faithfulness',
      error:
        "Sample 'warranty' has no retrieved texts, so faithfulness cannot judge it: the SUT must answer { output, retrieved: [{ id, text }] } (or saved outputs carry retrieved:).",
    });
    // answer-relevance reads no retrieval, so it still scores.
    expect(
      report.samples.map(
        (s: { scores: Record<string, unknown> }) => s.scores['answer-relevance'] !== undefined,
      ),
    ).toEqual([true, true]);
  });

  it('refuses a misspelt option in the config before any call, naming the dataset entry', async () => {
    judge.route(() => ({ status: 500 }));
    const dir = await makeWorkspace({
      'golden.yml': DATASET,
      'eval-harness.config.json': JSON.stringify({
        datasets: {
          'rag.judged': { path: 'golden.yml', metrics: [{ name: 'faithfulness', vote: 3 }] },
        },
        sut: { type: 'module', path: './missing-on-purpose.mjs' },
      }),
    });
    const result = await runCli(['run', 'rag.judged', '--no-progress'], { cwd: dir, env });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('datasets.rag.judged.metrics in ');
    expect(result.stderr).toContain(
      "Metric 'faithfulness' has no option 'vote' (did you mean 'votes'?); its options are votes.",
    );
    expect(judge.requests).toHaveLength(0);
  });
});
