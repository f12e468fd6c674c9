// Costs through the built CLI: usage from an http SUT, from the judge and from a module SUT,
// priced with the config's price book; a model without a price is reported, never counted free.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DATASET, makeWorkspace, numberedDatasetYaml, runCli } from '../helpers/cli.js';
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

describe('the cost of a run', () => {
  it('prices SUT and judge tokens by model and names the unpriced model', async () => {
    // Scoring overlaps the next SUT call, so requests are answered by what they ask.
    const sut = (text: string) => ({
      json: chatBody(text, { prompt_tokens: 1000, completion_tokens: 200, total_tokens: 1200 }),
    });
    const judge = {
      json: chatBody('{"score": 1, "reason": "ok"}', {
        prompt_tokens: 500,
        completion_tokens: 50,
        total_tokens: 550,
      }),
    };
    const answer = () =>
      server.route((request) =>
        isJudgeRequest(request)
          ? judge
          : sut(userMessage(request).includes('France') ? 'Paris' : 'Rome'),
      );
    answer();
    const dir = await makeWorkspace({
      'ds.yml': DEMO_DATASET,
      'eval-harness.config.json': JSON.stringify({
        datasets: { demo: { path: 'ds.yml', metrics: ['exact-match', 'llm-as-judge'] } },
        sut: {
          type: 'http',
          endpoint: `${server.url}/v1/chat/completions`,
          model: 'answer-model',
          promptTemplate: '{question}',
        },
        providers: {
          judge: { endpoint: `${server.url}/v1/chat/completions`, model: 'judge-model' },
        },
        costs: { 'answer-model': { inputPerMillion: 2.5, outputPerMillion: 10 } },
      }),
    });
    const result = await runCli(['run', 'demo', '--json', '--no-progress'], {
      cwd: dir,
      env: { OPENAI_API_KEY: 'sk-test' },
    });
    expect(result.stderr).toBe('');
    const usage = JSON.parse(result.stdout).usage;
    // 2 × (1000 × 2.5 + 200 × 10) / 1e6
    expect(usage.by_model).toEqual({
      'answer-model': { calls: 2, input_tokens: 2000, output_tokens: 400, cost_usd: 0.009 },
      'judge-model': { calls: 2, input_tokens: 1000, output_tokens: 100, cost_usd: null },
    });
    expect(usage.unpriced_models).toEqual(['judge-model']);
    expect(usage.cost_usd).toBeCloseTo(0.009, 12);
    answer();
    const markdown = await runCli(['run', 'demo', '--no-progress', '--no-cache'], {
      cwd: dir,
      env: { OPENAI_API_KEY: 'sk-test' },
    });
    expect(markdown.stdout).toContain('| answer-model | 2 | 2000 | 400 | 0.009000 |');
    expect(markdown.stdout).toContain('| judge-model | 2 | 1000 | 100 | unpriced |');
    expect(markdown.stdout).toContain(
      "No price in the config's `costs` for <code>judge-model</code>: those calls are not in the cost total.",
    );
  });

  it('counts the usage a module SUT returns, and refuses a malformed price', async () => {
    const dir = await makeWorkspace({
      'ds.yml': DEMO_DATASET,
      'sut.mjs': `export default ({ id }) => ({ output: id === 's1' ? 'Paris' : 'Rome', usage: { model: 'local-llm', inputTokens: 100, outputTokens: 10 } });\n`,
      'eval-harness.config.json': JSON.stringify({
        datasets: { demo: { path: 'ds.yml', metrics: ['exact-match'] } },
        sut: { type: 'module', path: './sut.mjs' },
        costs: { 'local-llm': { inputPerMillion: 1, outputPerMillion: 1 } },
      }),
    });
    const result = await runCli(['run', 'demo', '--json', '--no-progress'], { cwd: dir });
    expect(JSON.parse(result.stdout).usage.by_model['local-llm']).toEqual({
      calls: 2,
      input_tokens: 200,
      output_tokens: 20,
      cost_usd: 0.00022,
    });
    const bad = await makeWorkspace({
      'ds.yml': DEMO_DATASET,
      'eval-harness.config.json': JSON.stringify({
        costs: { m: { inputPerMillion: -1, outputPerMillion: 1 } },
      }),
    });
    const refused = await runCli(['run', 'ds.yml', '--metric=exact-match', '--sut=x.mjs'], {
      cwd: bad,
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/costs\.m\.inputPerMillion: must be 0 or more/);
  });
});

describe('--max-cost', () => {
  it('stops dispatching once the known spend passes the budget, reports what ran, and exits 1', async () => {
    // Each answer costs (1000 × 2 + 500 × 8) / 1e6 = $0.006.
    const dir = await makeWorkspace({
      'qa.yml': numberedDatasetYaml('qa', 10),
      'eval-harness.config.json': JSON.stringify({
        datasets: { qa: { path: 'qa.yml', metrics: ['exact-match'] } },
        sut: {
          type: 'http',
          endpoint: `${server.url}/v1/chat/completions`,
          model: 'answer-model',
          promptTemplate: '{n}',
        },
        costs: { 'answer-model': { inputPerMillion: 2, outputPerMillion: 8 } },
        batches: { profiles: { budgeted: { mode: 'serial', maxCostUsd: 0.015 } } },
      }),
    });
    for (const flags of [
      ['--max-cost=0.015'],
      ['--max-cost=0.015', '--batch=concurrent', '--concurrency=1'],
      ['--batch-profile=budgeted'],
    ]) {
      server.script({
        json: chatBody('answer', {
          prompt_tokens: 1000,
          completion_tokens: 500,
          total_tokens: 1500,
        }),
      });
      const result = await runCli(
        ['run', 'qa', '--json', '--out=r.json', '--no-progress', '--no-cache', ...flags],
        { cwd: dir },
      );
      expect(result.code).toBe(1);
      // $0.006, $0.012, then $0.018 passes $0.015: the third answer is the last one.
      expect(server.requests).toHaveLength(3);
      const report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'));
      expect(report.total_samples).toBe(3);
      expect(report.budget).toMatchObject({ limit_usd: 0.015, halted: true, completed_samples: 3 });
      expect(report.budget.spent_usd).toBeCloseTo(0.018, 12);
      expect(result.stderr).toContain(
        'Budget reached (qa): known spend of $0.0180 passed the budget of $0.015; 3 of 10 samples ran; the report covers the samples that ran.',
      );
    }
    // `none` clears the profile's budget: every sample runs.
    server.script({
      json: chatBody('answer', { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 }),
    });
    const unlimited = await runCli(
      ['run', 'qa', '--batch-profile=budgeted', '--max-cost=none', '--no-cache', '--no-progress'],
      { cwd: dir },
    );
    expect(server.requests).toHaveLength(10);
    expect(unlimited.stderr).not.toContain('Budget reached');
  });

  it('is not halted when the run stays under it, and refuses a bad amount', async () => {
    const dir = await makeWorkspace({
      'ds.yml': DEMO_DATASET,
      'sut.mjs': `export default ({ id }) => ({ output: id === 's1' ? 'Paris' : 'Rome', usage: { model: 'm', inputTokens: 10, outputTokens: 0 } });\n`,
      'eval-harness.config.json': JSON.stringify({
        datasets: { demo: { path: 'ds.yml', metrics: ['exact-match'] } },
        sut: { type: 'module', path: './sut.mjs' },
        costs: { m: { inputPerMillion: 1, outputPerMillion: 1 } },
      }),
    });
    const result = await runCli(['run', 'demo', '--max-cost=1', '--json', '--no-progress'], {
      cwd: dir,
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).budget).toEqual({
      limit_usd: 1,
      spent_usd: 0.00002,
      halted: false,
      completed_samples: 2,
      reason: null,
    });
    for (const bad of ['0', '-1', 'ten', '']) {
      const refused = await runCli(['run', 'demo', `--max-cost=${bad}`], { cwd: dir });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe(
        `error: The --max-cost option must be a positive amount of USD, such as 2.50 (or none); got '${bad}'.\n`,
      );
    }
  });
});
