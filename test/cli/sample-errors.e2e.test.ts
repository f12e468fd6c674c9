// What a run does when the system under test does not answer: the built CLI as a child process,
// because several of these behaviours are about processes (a promise that never settles, a
// signal, a hanging socket). Every such run ends with the reports it was asked for.
import { createServer, type Server } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkspace, runCli, startCli } from '../helpers/cli.js';
import { OpenAiTestServer, chatBody } from '../helpers/openai-server.js';

let server: OpenAiTestServer;
beforeAll(async () => {
  server = await OpenAiTestServer.start();
});
afterAll(async () => {
  await server.stop();
});

const GOLDEN = `schema_version: eval-harness.dataset.v1
name: golden
samples:
  - { id: a, input: { q: "1" }, expected_output: x }
  - { id: b, input: { q: "2" }, expected_output: x }
  - { id: c, input: { q: "3" }, expected_output: x }
`;

/** A dataset of samples s0, s1, … whose expected answer is 'x'. */
const answeredX = (name: string, count: number) =>
  [
    `name: ${name}`,
    'samples:',
    ...Array.from(
      { length: count },
      (_, i) => `  - { id: s${i}, input: { n: ${i} }, expected_output: x }`,
    ),
  ].join('\n');

/** A SUT module that logs each call's sample id, then answers 'x' (or as `body` says). */
const loggingSut = (body: string) =>
  `import { appendFileSync } from 'node:fs';\nexport default async ({ id }) => { appendFileSync('calls.log', id + '\\n'); ${body} return 'x'; };\n`;

const callsIn = async (dir: string) =>
  (await readFile(join(dir, 'calls.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
const reportIn = async (dir: string, file = 'r.json') =>
  JSON.parse(await readFile(join(dir, file), 'utf8')) as Record<string, unknown> & {
    samples: { id: string; attempts?: number }[];
    sample_errors: { id: string; error: string; attempts: number }[];
    not_run: string[];
  };

/** `run <file> --sut sut.mjs --metric <metric>` in `dir`, with the extra flags. */
const runWithSut = (dir: string, file: string, flags: readonly string[], metric = 'exact-match') =>
  runCli(['run', file, '--sut', 'sut.mjs', '--metric', metric, ...flags], { cwd: dir });

const MODES = [
  ['serial', []],
  ['concurrent', ['--batch=concurrent', '--concurrency=2']],
] as const;

describe('a SUT that never answers', () => {
  it.each(MODES)(
    '%s: a promise that never settles is the sample error, exit 3, with the report and JUnit written',
    async (_mode, flags) => {
      const dir = await makeWorkspace({
        'golden.yml': GOLDEN,
        'sut.mjs':
          "export default async ({ id }) => { if (id === 'b') await new Promise(() => {}); return 'x'; };\n",
      });
      const result = await runWithSut(dir, 'golden.yml', [
        '--fail-under',
        'exact-match=0.99',
        '--junit',
        'j.xml',
        '--json',
        '--out',
        'r.json',
        '--no-progress',
        // Concurrent mode's own timers keep the process busy: there the SUT timeout ends it.
        '--sut-timeout',
        '2',
        ...flags,
      ]);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(
        /sample error: System-under-test for sample 'b' (never settled|timed out after 2 seconds)/,
      );
      const report = await reportIn(dir);
      expect(report['status']).toBe('stopped-on-error');
      expect(report.sample_errors.map((e) => e.id)).toEqual(['b']);
      const junit = await readFile(join(dir, 'j.xml'), 'utf8');
      expect(junit).toContain('tests="3"');
      expect(junit).toContain('<error type="sut-error"');
    },
  );

  it('an http SUT whose server accepts and never answers times out in serial mode', async () => {
    const hanging: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const port = (hanging.address() as AddressInfo).port;
    try {
      const dir = await makeWorkspace({
        'golden.yml': GOLDEN,
        'eval-harness.config.json': JSON.stringify({
          datasets: { golden: { path: 'golden.yml', metrics: ['exact-match'] } },
          sut: {
            type: 'http',
            endpoint: `http://127.0.0.1:${port}/v1/chat/completions`,
            model: 'm',
            promptTemplate: '{q}',
            timeoutSeconds: 1,
            retries: 0,
          },
        }),
      });
      const started = Date.now();
      const result = await runCli(['run', 'golden', '--json', '--out', 'r.json'], { cwd: dir });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(
        "sample error: System-under-test for sample 'a' timed out after 1 second; the call was aborted",
      );
      expect((await reportIn(dir)).not_run).toEqual(['b', 'c']);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });
});

describe('a SUT that fails on one sample', () => {
  const FAILS_ON_S3 = loggingSut("if (id === 's3') throw new Error('529 overloaded');");

  it.each(MODES)(
    '%s: stops dispatching at the error and reports scored, errored and not-run samples (exit 3)',
    async (_mode, flags) => {
      const dir = await makeWorkspace({
        'ds.yml': answeredX('ds', 10),
        'sut.mjs': FAILS_ON_S3,
      });
      const result = await runWithSut(dir, 'ds.yml', ['--json', '--out', 'r.json', ...flags]);
      expect(result.code).toBe(3);
      const report = await reportIn(dir);
      expect(report.sample_errors).toEqual([
        {
          id: 's3',
          error: "System-under-test failed for sample 's3': 529 overloaded",
          attempts: 1,
        },
      ]);
      const scored = report.samples.map((s) => s.id);
      expect(scored).toContain('s0');
      expect(scored.length + 1 + report.not_run.length).toBe(10);
      expect(report.not_run).toContain('s9');
      // Nothing was dispatched after the error but what was already in flight.
      expect((await callsIn(dir)).length).toBeLessThanOrEqual(5);
    },
  );

  it.each(MODES)(
    '%s: --max-errors goes on past it; the errored sample counts as a failure (exit 1)',
    async (_mode, flags) => {
      const dir = await makeWorkspace({
        'ds.yml': answeredX('ds', 10),
        'sut.mjs': FAILS_ON_S3,
      });
      const result = await runWithSut(dir, 'ds.yml', ['--max-errors', '1', '--json', ...flags]);
      expect(result.code).toBe(1);
      const report = JSON.parse(result.stdout) as Awaited<ReturnType<typeof reportIn>>;
      expect(report['status']).toBe('complete');
      expect(report.samples).toHaveLength(9);
      expect(report.sample_errors.map((e) => e.id)).toEqual(['s3']);
      expect(await callsIn(dir)).toHaveLength(10);
    },
  );
});

describe('retries of an http SUT', () => {
  const config = (retries?: number) =>
    JSON.stringify({
      datasets: { golden: { path: 'golden.yml', metrics: ['exact-match'] } },
      sut: {
        type: 'http',
        endpoint: `${server.url}/v1/chat/completions`,
        model: 'm',
        promptTemplate: '{q}',
        ...(retries === undefined ? {} : { retries }),
      },
    });

  it.each([
    [429, { 'retry-after': '0' }],
    [500, {}],
  ] as const)(
    'retries %i, then takes the answer, and records the attempts',
    async (status, headers) => {
      const dir = await makeWorkspace({
        'golden.yml': GOLDEN,
        'eval-harness.config.json': config(),
      });
      server.script(
        { status, headers, text: 'busy' },
        { json: chatBody('x') },
        { json: chatBody('x') },
        { json: chatBody('x') },
      );
      const result = await runCli(['run', 'golden', '--json'], { cwd: dir });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as Awaited<ReturnType<typeof reportIn>>;
      expect(report.samples.map((s) => [s.id, s.attempts])).toEqual([
        ['a', 2],
        ['b', undefined],
        ['c', undefined],
      ]);
      expect(server.requests).toHaveLength(4);
    },
  );

  it('does not retry a 400, and --sut-retries 0 turns retries off', async () => {
    const dir = await makeWorkspace({ 'golden.yml': GOLDEN, 'eval-harness.config.json': config() });
    server.script({ status: 400, text: 'bad request' });
    const refused = await runCli(['run', 'golden', '--json', '--out', 'r.json'], { cwd: dir });
    expect(refused.code).toBe(3);
    expect(server.requests).toHaveLength(1);
    server.script({ status: 503 });
    const once = await runCli(
      ['run', 'golden', '--sut-retries', '0', '--json', '--out', 'r.json'],
      {
        cwd: dir,
      },
    );
    expect(once.code).toBe(3);
    expect(server.requests).toHaveLength(1);
    expect(once.stderr).toContain(
      "System-under-test failed for sample 'a': HTTP SUT answered HTTP 503",
    );
  });
});

describe('--resume', () => {
  it('runs only the errored and not-run samples of a stopped run and writes one complete report', async () => {
    const dir = await makeWorkspace({
      'ds.yml': answeredX('ds', 8),
      'sut.mjs': loggingSut(
        "if (id === 's2' && !process.env.FIXED) throw new Error('backend down');",
      ),
    });
    const base = ['run', 'ds.yml', '--sut', 'sut.mjs', '--metric', 'exact-match', '--json'];
    const stopped = await runCli([...base, '--out', 'first.json'], { cwd: dir });
    expect(stopped.code).toBe(3);
    expect(await callsIn(dir)).toEqual(['s0', 's1', 's2']);
    await writeFile(join(dir, 'calls.log'), '');

    const resumed = await runCli([...base, '--resume', 'first.json', '--out', 'full.json'], {
      cwd: dir,
      env: { FIXED: '1' },
    });
    expect(resumed.stderr).toMatch(/^Wrote \d+ bytes to \S+full\.json\n$/);
    expect(resumed.code).toBe(0);
    // s0 and s1 were kept from the first report: the SUT was called for the other six only.
    expect(await callsIn(dir)).toEqual(['s2', 's3', 's4', 's5', 's6', 's7']);
    const full = await reportIn(dir, 'full.json');
    expect(full['status']).toBe('complete');
    expect(full.samples.map((s) => s.id)).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7']);
    expect(full['metrics']).toEqual({ 'exact-match': { mean: 1, p50: 1, p95: 1, pass_rate: 1 } });
  });

  it('refuses a report of another dataset, or with other metrics, naming the file (exit 2)', async () => {
    const dir = await makeWorkspace({
      'ds.yml': answeredX('ds', 2),
      'other.yml': answeredX('other', 2),
      'sut.mjs': loggingSut(''),
    });
    await runWithSut(dir, 'other.yml', ['--json', '--out', 'o.json']);
    const wrongDataset = await runWithSut(dir, 'ds.yml', ['--resume', 'o.json']);
    expect(wrongDataset.code).toBe(2);
    expect(wrongDataset.stderr).toBe(
      "error: o.json (--resume) is a report of dataset 'other', not 'ds'; resume a report of the same dataset.\n",
    );
    await runWithSut(dir, 'ds.yml', ['--json', '--out', 'd.json']);
    const otherMetrics = await runWithSut(dir, 'ds.yml', ['--resume', 'd.json'], 'contains');
    expect(otherMetrics.code).toBe(2);
    expect(otherMetrics.stderr).toContain(
      'was scored with exact-match, but this run scores contains',
    );
  });

  it('finishes an interrupted run: Ctrl-C writes the partial report (exit 130), --resume the rest', async () => {
    const dir = await makeWorkspace({
      'ds.yml': answeredX('ds', 30),
      'sut.mjs': loggingSut('await new Promise((r) => setTimeout(r, 100));'),
    });
    const base = ['run', 'ds.yml', '--sut', 'sut.mjs', '--metric', 'exact-match', '--json'];
    const run = await startCli([...base, '--out', 'partial.json', '--no-progress'], {
      cwd: dir,
      readyText: '',
    });
    for (let i = 0; i < 100 && (await callsIn(dir)).length < 5; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(run.output()).toContain('SIGINT received: stopping');
    expect(run.output()).toMatch(
      /ds: Run interrupted: \d+ of 30 sample\(s\) scored, 0 errored, \d+ not run\. The partial report is in partial\.json/,
    );
    const partial = await reportIn(dir, 'partial.json');
    expect(partial['status']).toBe('interrupted');
    const ranBefore = (await callsIn(dir)).length;
    expect(partial.samples.length).toBe(ranBefore);
    await writeFile(join(dir, 'calls.log'), '');

    const resumed = await runCli([...base, '--resume', 'partial.json', '--out', 'full.json'], {
      cwd: dir,
    });
    expect(resumed.code).toBe(0);
    expect(await callsIn(dir)).toHaveLength(30 - ranBefore);
    expect((await reportIn(dir, 'full.json')).samples).toHaveLength(30);
  });
});

describe('an adversarial sweep whose SUT fails on one sample', () => {
  it('keeps the sweep report, records nothing in the manifest and exits 3; --max-errors goes on', async () => {
    const dir = await makeWorkspace({
      'sut.mjs':
        "let calls = 0;\nexport default async () => { calls++; if (calls === 2) throw new Error('guardrail service down'); return 'I cannot help with that.'; };\n",
    });
    const sweep = ['adversarial', '--metric=exact-match', '--sut', 'sut.mjs', '--json'];
    const stopped = await runCli([...sweep, '--manifest=m.json', '--out=r.json'], { cwd: dir });
    expect(stopped.code).toBe(3);
    expect(stopped.stderr).toContain('so it is not recorded in');
    const report = await reportIn(dir);
    expect(report['status']).toBe('stopped-on-error');
    expect(report.sample_errors).toHaveLength(1);
    expect(JSON.stringify(report)).not.toContain('"input"');
    await expect(readFile(join(dir, 'm.json'), 'utf8')).rejects.toThrow();
    const goOn = await runCli([...sweep, '--max-errors=1'], { cwd: dir });
    expect(goOn.code).toBe(1);
    expect(JSON.parse(goOn.stdout).status).toBe('complete');
  });
});
