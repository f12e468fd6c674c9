// The shipped RAG, agent and structured-output examples through the built CLI: answer, retrieval,
// trajectory and JSON Schema checks scored together, with the same report in every batch mode and from saved outputs.
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, makeWorkspace, runCli } from '../helpers/cli.js';
import { RedisServer } from '../helpers/redis-server.js';

let server: RedisServer;

beforeAll(async () => {
  server = await RedisServer.start();
});

afterAll(async () => {
  await server.stop();
});

const EXAMPLES = [
  { name: 'rag.handbook', dir: 'examples/rag', script: 'demo:rag' },
  { name: 'agent.support', dir: 'examples/agent', script: 'demo:agent' },
  { name: 'structured.orders', dir: 'examples/structured', script: 'demo:structured' },
] as const;

/** What must not change between modes: per-sample answers, ids, tools, scores; aggregates. */
function comparable(stdout: string): unknown {
  const report = JSON.parse(stdout);
  return {
    metrics: report.metrics,
    failures: report.failures,
    samples: report.samples,
  };
}

describe('the RAG and agent examples', () => {
  it.each(EXAMPLES)(
    '$name gives one report serially, concurrently, over the queue and from saved outputs',
    async ({ name, dir }) => {
      const config = join(REPO_ROOT, dir, 'eval-harness.config.ts');
      const run = async (flags: string[]) => {
        const result = await runCli(
          ['run', name, '-c', config, '--json', '--no-progress', ...flags],
          {
            cwd: REPO_ROOT,
          },
        );
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        return comparable(result.stdout);
      };
      const serial = await run([]);
      expect(await run(['--batch=concurrent', '--concurrency=4'])).toEqual(serial);
      expect(
        await run([
          '--batch=lazy-parallel',
          '--local-workers=2',
          '--concurrency=4',
          '--queue',
          `examples-${name.replace('.', '-')}`,
          '--redis-url',
          server.url,
        ]),
      ).toEqual(serial);

      // Saved outputs hold what the SUT returned, retrieval and trajectory included.
      const sut = (await import(pathToFileURL(join(REPO_ROOT, dir, 'sut.mjs')).href)).default;
      const golden = load(await readFile(join(REPO_ROOT, dir, 'golden.yml'), 'utf8')) as {
        samples: { id: string; input: unknown }[];
      };
      const outputs = Object.fromEntries(
        golden.samples.map((s) => [s.id, sut({ id: s.id, input: s.input })]),
      );
      const workspace = await makeWorkspace({});
      await writeFile(join(workspace, 'outputs.json'), JSON.stringify({ outputs }));
      expect(await run(['--outputs', join(workspace, 'outputs.json')])).toEqual(serial);
    },
  );

  it('reports retrieved ids and tool names per sample, never retrieved texts or tool arguments', async () => {
    const [rag, agent] = await Promise.all(
      EXAMPLES.map(({ name, dir }) =>
        runCli(['run', name, '-c', `${dir}/eval-harness.config.ts`, '--json', '--no-progress'], {
          cwd: REPO_ROOT,
        }),
      ),
    );
    const ragReport = JSON.parse(rag?.stdout ?? '');
    expect(ragReport.samples[0].retrieved_ids).toEqual(['refunds-1', 'refunds-2', 'shipping-1']);
    expect(ragReport.metrics['retrieval-mrr'].mean).toBeCloseTo(13 / 15, 10);
    // Retrieved third for the first sample, never an answer: its text must not appear.
    expect(rag?.stdout).not.toContain('Standard shipping takes');
    const agentReport = JSON.parse(agent?.stdout ?? '');
    expect(agentReport.samples[2].tools).toEqual(['search_policies', 'delete_account', 'reply']);
    expect(agentReport.samples[2].scores['no-pending-approvals'].score).toBe(0);
    expect(agent?.stdout).not.toContain('A-17"'); // tool arguments stay out
  });

  it('checks the structured example against its JSON Schema file and its cost limit, naming each schema error at its JSON pointer', async () => {
    const result = await runCli(
      ['run', 'structured.orders', '-c', 'examples/structured/eval-harness.config.ts', '--json'],
      { cwd: REPO_ROOT },
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    const byId = Object.fromEntries(
      report.samples.map(
        (s: {
          id: string;
          scores: Record<string, { score: number; details: Record<string, unknown> }>;
        }) => [s.id, s.scores],
      ),
    );
    expect(byId['order-shipped']['is-json'].score).toBe(1);
    expect(byId['order-unknown']['is-json'].details).toMatchObject({
      valid: true,
      schema_valid: false,
      schema_errors: ['/status must be equal to one of the allowed values'],
    });
    // JSON inside prose fails is-json but passes contains-json with the same schema.
    expect([
      byId['order-chatty']['is-json'].score,
      byId['order-chatty']['contains-json'].score,
    ]).toEqual([0, 1]);
    expect(report.metrics['contains-all'].mean).toBe(1);
    // cost prices each answer's reported tokens: 120 in, 30 out is $0.000105; 200 out is over.
    expect(byId['order-shipped']['cost'].details).toMatchObject({
      max_usd: 0.0002,
      model: 'order-model',
    });
    expect(byId['order-shipped']['cost'].details.cost_usd).toBeCloseTo(0.000105, 12);
    expect(byId['order-chatty']['cost'].score).toBe(0);
    // The per-sample checks: the answer opens as JSON, and no status outside the schema leaks.
    expect(byId['order-shipped']['starts-with'].score).toBe(1);
    expect(byId['order-unknown']['not-contains'].details).toMatchObject({ found: ['"lost"'] });
  });

  it.each(EXAMPLES)('npm run $script runs the example from the README', async ({ script }) => {
    const result = spawnSync('npm', ['run', '--silent', script], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('## Per-metric aggregates');
  });
});
