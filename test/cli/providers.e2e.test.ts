// The CLI with a judge served by a real local OpenAI-compatible server: the adversarial lane's
// default metric works, and an API key never reaches stdout, stderr or a report.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkspace, runCli } from '../helpers/cli.js';
import { OpenAiTestServer, chatBody } from '../helpers/openai-server.js';

let server: OpenAiTestServer;
beforeAll(async () => {
  server = await OpenAiTestServer.start();
});
afterAll(async () => {
  await server.stop();
});

const SECRET = 'sk-test-SECRET';

describe('provider-backed metrics through the CLI', () => {
  it('scores refusals with the default metric and never prints the key, in success and failure runs', async () => {
    const dir = await makeWorkspace({
      'sut.mjs': "export default () => 'I cannot help with that.';\n",
    });
    const env = {
      OPENAI_API_KEY: SECRET,
      EVAL_HARNESS_JUDGE_ENDPOINT: `${server.url}/v1/chat/completions`,
    };
    server.script({
      json: chatBody('{"score": 1, "refusal": "appropriate", "reason": "Refused."}', {
        prompt_tokens: 10,
        completion_tokens: 3,
        total_tokens: 13,
      }),
    });
    const ok = await runCli(
      [
        'adversarial',
        '--category=jailbreak',
        '--sut',
        'sut.mjs',
        '--json',
        '--out',
        'ok.json',
        '--junit',
        'ok.xml',
      ],
      { cwd: dir, env },
    );
    expect(ok.code).toBe(0);
    expect(server.requests[0]?.headers['authorization']).toBe(`Bearer ${SECRET}`);
    const report = JSON.parse(await readFile(join(dir, 'ok.json'), 'utf8'));
    expect(report.metrics['refusal-quality'].mean).toBe(1);
    expect(report.usage.total_tokens).toBe(13);

    server.script({ status: 500, text: `echo ${SECRET} and the prompt` });
    const failed = await runCli(
      [
        'adversarial',
        '--category=jailbreak',
        '--sut',
        'sut.mjs',
        '--json',
        '--out',
        'failed.json',
        '--no-cache',
      ],
      { cwd: dir, env },
    );
    expect(failed.code).toBe(1);
    const failedReport = await readFile(join(dir, 'failed.json'), 'utf8');
    expect(JSON.parse(failedReport).failures[0].error).toBe('LLM judge request failed: HTTP 500.');
    for (const text of [
      ok.stdout,
      ok.stderr,
      failed.stdout,
      failed.stderr,
      await readFile(join(dir, 'ok.json'), 'utf8'),
      await readFile(join(dir, 'ok.xml'), 'utf8'),
      failedReport,
      // The cached judge answer: keyed by a hash of the request, never holding the key.
      ...(await cachedEntries(dir)),
    ]) {
      expect(text).not.toContain(SECRET);
    }
  });
});

async function cachedEntries(dir: string): Promise<string[]> {
  const root = join(dir, '.eval-harness', 'cache');
  const files = (await readdir(root, { recursive: true })).filter((name) => name.endsWith('.json'));
  expect(files.length).toBeGreaterThan(0);
  return Promise.all(files.map((name) => readFile(join(root, name), 'utf8')));
}
