// The response cache through the built CLI, against a real local OpenAI-format server: what is
// cached, what a second run asks, repeats, corrupt entries and `eval-harness cache clear`.
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DATASET, makeWorkspace, runCli } from '../helpers/cli.js';
import {
  OpenAiTestServer,
  chatBody,
  isJudgeRequest,
  userMessage,
} from '../helpers/openai-server.js';

let server: OpenAiTestServer;
beforeAll(async () => {
  server = await OpenAiTestServer.start();
});
afterAll(async () => {
  await server.stop();
});

const usage = { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 };

/**
 * An http SUT and a judge on the local server; every answer is scored right by the judge. The
 * SUT's answers are cached only when the config says so (`sutCache`).
 */
async function workspace(metric = 'llm-as-judge', sutCache = true): Promise<string> {
  return makeWorkspace({
    'ds.yml': DEMO_DATASET,
    'eval-harness.config.json': JSON.stringify({
      datasets: { demo: { path: 'ds.yml', metrics: [metric] } },
      sut: {
        type: 'http',
        endpoint: `${server.url}/v1/chat/completions`,
        model: 'answer-model',
        promptTemplate: '{question}',
        ...(sutCache ? { cache: true } : {}),
      },
      providers: { judge: { endpoint: `${server.url}/v1/chat/completions`, model: 'judge' } },
      costs: { 'answer-model': { inputPerMillion: 1, outputPerMillion: 1 } },
    }),
  });
}

const env = { OPENAI_API_KEY: 'sk-test' };
const judgeAnswer = { json: chatBody('{"score": 1, "reason": "ok"}', usage) };

/** The SUT answers the demo questions right; the judge grades every answer 1. */
const answerEverything = () =>
  server.route((request) =>
    isJudgeRequest(request)
      ? judgeAnswer
      : { json: chatBody(userMessage(request).includes('France') ? 'Paris' : 'Rome', usage) },
  );

/** A clean run's JSON report; stderr says nothing but, when it applies, where answers came from. */
async function run(dir: string, ...flags: string[]) {
  const result = await runCli(['run', 'demo', '--json', '--no-progress', ...flags], {
    cwd: dir,
    env,
  });
  const report = JSON.parse(result.stdout);
  const cached = report.usage.cached_calls ?? 0;
  expect(result.stderr).toBe(
    cached === 0
      ? ''
      : `note: demo: ${cached} answer(s) or score(s) came from the response cache; pass --no-cache to call everything afresh.\n`,
  );
  expect(result.code).toBe(0);
  return report;
}

describe('the response cache', () => {
  it('answers a second identical run from disk: no request, counted as cached, no cost', async () => {
    const dir = await workspace();
    answerEverything();
    const first = await run(dir);
    expect(server.requests).toHaveLength(4);
    expect(first.usage.cost_usd).toBeCloseTo(0.00022, 12);
    // The report says who judged, so a comparison can tell when that changed.
    expect(first.providers).toEqual({
      judge: { model: 'judge', fingerprint: expect.stringMatching(/^[0-9a-f]{12}$/) },
    });
    server.script({ status: 500 });
    const second = await run(dir);
    expect(server.requests).toHaveLength(0);
    expect(second.samples.map((s: { actual_output: string }) => s.actual_output)).toEqual([
      'Paris',
      'Rome',
    ]);
    expect(second.usage.cached_calls).toBe(4);
    expect(second.usage.cost_usd).toBe(0);
    // --no-cache asks again.
    answerEverything();
    await run(dir, '--no-cache');
    expect(server.requests).toHaveLength(4);
  });

  it('keeps the n repeats of one run n different calls, and reuses each on a re-run', async () => {
    // exact-match needs no judge, so every request is a SUT call, answered in order.
    const dir = await workspace('exact-match');
    server.script(
      ...Array.from({ length: 6 }, (_, i) => ({ json: chatBody(`answer ${i}`, usage) })),
    );
    const first = await run(dir, '--repeat=3');
    expect(server.requests).toHaveLength(6);
    const outputs = first.samples.map((s: { repeats: { actual_output: string }[] }) =>
      s.repeats.map((r) => r.actual_output),
    );
    expect(new Set(outputs.flat()).size).toBe(6);
    server.script({ status: 500 });
    const second = await run(dir, '--repeat=3');
    expect(server.requests).toHaveLength(0);
    expect(
      second.samples.map((s: { repeats: { actual_output: string }[] }) =>
        s.repeats.map((r) => r.actual_output),
      ),
    ).toEqual(outputs);
  });

  it('never answers an http SUT from the cache unless the config asks, so a fixed service is seen at once', async () => {
    const dir = await workspace('exact-match', false);
    const answering = (capital: string) =>
      server.route((request) => ({
        json: chatBody(userMessage(request).includes('France') ? capital : 'Rome', usage),
      }));
    answering('London');
    const first = await run(dir);
    expect(first.samples[0].actual_output).toBe('London');
    // The service was fixed: the same run sees the new answer, and nothing came from a cache.
    answering('Paris');
    const second = await run(dir);
    expect(server.requests).toHaveLength(2);
    expect(second.samples[0].actual_output).toBe('Paris');
    expect(second.usage.cached_calls).toBeUndefined();
  });

  it('reads a corrupt entry as a miss, and `cache clear` empties the cache', async () => {
    const dir = await workspace();
    const script = answerEverything;
    script();
    await run(dir);
    const root = join(dir, '.eval-harness', 'cache');
    const entries = (await readdir(root, { recursive: true })).filter((name) =>
      name.endsWith('.json'),
    );
    expect(entries).toHaveLength(4);
    for (const entry of entries) await writeFile(join(root, entry), '{torn');
    script();
    await run(dir);
    expect(server.requests).toHaveLength(4);
    const cleared = await runCli(['cache', 'clear'], { cwd: dir });
    expect(cleared.code).toBe(0);
    expect(cleared.stderr).toBe(`Removed 4 cached response(s) from ${root}.\n`);
    expect((await readdir(dir)).includes('.eval-harness')).toBe(true);
    script();
    await run(dir);
    expect(server.requests).toHaveLength(4);
  });
});
