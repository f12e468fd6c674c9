// The http and command SUT kinds through the built CLI, against a real local HTTP server and
// real child processes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DATASET, makeWorkspace, runCli } from '../helpers/cli.js';
import { OpenAiTestServer, chatBody } from '../helpers/openai-server.js';

let server: OpenAiTestServer;
beforeAll(async () => {
  server = await OpenAiTestServer.start();
});
afterAll(async () => {
  await server.stop();
});

const config = (sut: unknown) =>
  JSON.stringify({ datasets: { demo: { path: 'ds.yml', metrics: ['exact-match'] } }, sut });

describe('command SUT', () => {
  const program = `let input = '';
process.stdin.on('data', (c) => (input += c)).on('end', () => {
  const { id, input: fields } = JSON.parse(input);
  if (fields.question.includes('Italy') && process.env.FAIL) { console.error('model crashed'); process.exit(4); }
  if (fields.question.includes('Italy') && process.env.HANG) setTimeout(() => {}, 60000);
  else process.stdout.write((id === 's1' ? 'Paris' : 'Rome') + '\\n');
});
`;
  it('writes the invocation to stdin and reads stdout without its trailing newline', async () => {
    const dir = await makeWorkspace({
      'ds.yml': DEMO_DATASET,
      'sut.mjs': program,
      'eval-harness.config.json': config({ type: 'command', command: ['node', 'sut.mjs'] }),
    });
    const result = await runCli(['run', 'demo', '--json'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(
      JSON.parse(result.stdout).samples.map((s: { actual_output: string }) => s.actual_output),
    ).toEqual(['Paris', 'Rome']);
  });

  it('fails the run on a non-zero exit, and kills a command past its timeout', async () => {
    const dir = await makeWorkspace({
      'ds.yml': DEMO_DATASET,
      'sut.mjs': program,
      'eval-harness.config.json': config({
        type: 'command',
        command: ['node', 'sut.mjs'],
        env: { FAIL: '1' },
      }),
    });
    const failed = await runCli(['run', 'demo'], { cwd: dir });
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain(
      "System-under-test failed for sample 's2': command node exited with 4: model crashed",
    );
    const hanging = await makeWorkspace({
      'ds.yml': DEMO_DATASET,
      'sut.mjs': program,
      'eval-harness.config.json': config({
        type: 'command',
        command: ['node', 'sut.mjs'],
        env: { HANG: '1' },
        timeoutSeconds: 1,
      }),
    });
    const started = Date.now();
    const timedOut = await runCli(['run', 'demo'], { cwd: hanging });
    expect(timedOut.code).toBe(3);
    // sut.timeoutSeconds bounds the call; the command is killed through the call's signal.
    expect(timedOut.stderr).toContain("sample 's2' timed out after 1 second; the call was aborted");
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe('http SUT', () => {
  it('posts an openai-chat request with the key from the named env variable', async () => {
    server.script({ json: chatBody('Paris') }, { json: chatBody('Rome') });
    const dir = await makeWorkspace({
      'ds.yml': DEMO_DATASET,
      'eval-harness.config.json': config({
        type: 'http',
        endpoint: `${server.url}/v1/chat/completions`,
        model: 'm',
        apiKeyEnv: 'SUT_KEY',
        system: 'Be brief.',
        promptTemplate: 'Q: {question}',
      }),
    });
    const result = await runCli(['run', 'demo', '--json'], {
      cwd: dir,
      env: { SUT_KEY: 'sk-test-SECRET' },
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).metrics['exact-match'].mean).toBe(1);
    expect(server.requests[0]?.headers['authorization']).toBe('Bearer sk-test-SECRET');
    expect(server.requests[0]?.body).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Q: Capital of France?' },
      ],
    });
    expect(result.stdout + result.stderr).not.toContain('sk-test-SECRET');
    const noKey = await runCli(['run', 'demo'], { cwd: dir });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('SUT_KEY (apiKeyEnv) is not set');
  });

  it('posts a JSON body template and reads a dotted output path', async () => {
    server.script(
      { json: { data: { answer: 'Paris' } } },
      { status: 502, text: 'secret upstream body' },
    );
    const dir = await makeWorkspace({
      'ds.yml': DEMO_DATASET,
      'eval-harness.config.json': config({
        type: 'http',
        flavor: 'json',
        endpoint: `${server.url}/ask`,
        body: { q: '{question}', meta: { lang: 'en', text: 'about {question}' } },
        outputPath: 'data.answer',
      }),
    });
    const result = await runCli(['run', 'demo'], { cwd: dir });
    expect(server.requests[0]?.body).toEqual({
      q: 'Capital of France?',
      meta: { lang: 'en', text: 'about Capital of France?' },
    });
    expect(result.code).toBe(3);
    // A 502 may pass on a second try: an http SUT retries twice by default.
    expect(result.stderr).toContain(
      "System-under-test failed for sample 's2' after 3 attempts: HTTP SUT answered HTTP 502",
    );
    expect(server.requests).toHaveLength(4);
    expect(result.stderr).not.toContain('secret upstream body');
    const broken = await makeWorkspace({
      'ds.yml': DEMO_DATASET,
      'eval-harness.config.json': config({
        type: 'http',
        flavor: 'json',
        endpoint: `${server.url}/ask`,
      }),
    });
    const invalid = await runCli(['run', 'demo'], { cwd: broken });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('sut.body: is required for the json flavor');
  });

  it('reads the retrieved documents and tool steps at their json-flavor paths', async () => {
    const answer = (text: string, doc: string) => ({
      json: {
        data: { answer: text, documents: [{ id: doc, text: `${text} is a capital.` }, 'misc'] },
        steps: [{ tool: 'search', args: { q: text } }],
      },
    });
    server.script(answer('Paris', 'fr'), answer('Rome', 'it'));
    const dir = await makeWorkspace({
      'ds.yml': DEMO_DATASET.replace('expected_output: Paris', 'expected_output: [fr]').replace(
        'expected_output: Rome',
        'expected_output: [it]',
      ),
      'eval-harness.config.json': JSON.stringify({
        datasets: { demo: { path: 'ds.yml', metrics: ['retrieval-hit-at-k'] } },
        sut: {
          type: 'http',
          flavor: 'json',
          endpoint: `${server.url}/ask`,
          body: { q: '{question}' },
          outputPath: 'data.answer',
          retrievedPath: 'data.documents',
          trajectoryPath: 'steps',
        },
      }),
    });
    const result = await runCli(['run', 'demo', '--json', '--no-progress'], { cwd: dir });
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout);
    expect(report.metrics['retrieval-hit-at-k'].mean).toBe(1);
    expect(report.samples.map((s: { retrieved_ids: string[] }) => s.retrieved_ids)).toEqual([
      ['fr', 'misc'],
      ['it', 'misc'],
    ]);
    expect(report.samples[0].tools).toEqual(['search']);
    server.script({ json: { data: { answer: 'Paris', documents: 'fr' } } });
    const missing = await runCli(['run', 'demo', '--no-progress', '--no-cache'], { cwd: dir });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("HTTP SUT response has no list at 'data.documents'");
  });
});

describe('structured answers from a command SUT', () => {
  it('reads a printed { output, retrieved, trajectory } object as the whole answer', async () => {
    const program = `let input = '';
process.stdin.on('data', (c) => (input += c)).on('end', () => {
  const { id } = JSON.parse(input);
  const answer = id === 's1' ? 'Paris' : 'Rome';
  process.stdout.write(JSON.stringify({ output: answer, trajectory: [{ tool: 'lookup', approval: 'approved' }] }) + '\\n');
});
`;
    const dir = await makeWorkspace({
      'ds.yml': DEMO_DATASET,
      'sut.mjs': program,
      'eval-harness.config.json': JSON.stringify({
        datasets: { demo: { path: 'ds.yml', metrics: ['exact-match', 'no-pending-approvals'] } },
        sut: { type: 'command', command: ['node', 'sut.mjs'] },
      }),
    });
    const result = await runCli(['run', 'demo', '--json', '--no-progress'], { cwd: dir });
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout);
    expect(report.samples.map((s: { actual_output: string }) => s.actual_output)).toEqual([
      'Paris',
      'Rome',
    ]);
    expect(report.metrics['no-pending-approvals'].mean).toBe(1);
    expect(report.samples[1].tools).toEqual(['lookup']);
  });
});
