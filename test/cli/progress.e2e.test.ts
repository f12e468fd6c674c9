import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, numberedDatasetYaml, runCli } from '../helpers/cli.js';

const DATASET = numberedDatasetYaml('twenty', 20);
const SUT = `export default async ({ input }) => {
  await new Promise((resolve) => setTimeout(resolve, 2 + (input.n % 4) * 3));
  if (input.n === 13 && process.env.FAIL_AT_13) throw new Error('model offline');
  return 'answer ' + input.n;
};
`;
const base = ['run', 'ds.yml', '--metric', 'exact-match', '--sut', 'sut.mjs'];

async function events(path: string): Promise<Record<string, unknown>[]> {
  return (await readFile(path, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('concurrent runs and progress (child process)', () => {
  it('writes checkpoints 7, 14, 20 and one terminal success event', async () => {
    const dir = await makeWorkspace({ 'ds.yml': DATASET, 'sut.mjs': SUT });
    const result = await runCli(
      [
        ...base,
        '--batch=concurrent',
        '--concurrency=4',
        '--checkpoint-every=7',
        '--progress-file',
        'out/p.ndjson',
        '--json',
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.samples.map((s: { id: string }) => s.id)).toEqual(
      Array.from({ length: 20 }, (_, i) => `s${i}`),
    );
    expect(report.metrics['exact-match'].mean).toBe(1);
    const lines = await events(join(dir, 'out/p.ndjson'));
    expect(
      lines.map((e) => [e['type'], e['samplesCompleted'], e['totalSamples'], e['status'] ?? null]),
    ).toEqual([
      ['checkpoint', 7, 20, null],
      ['checkpoint', 14, 20, null],
      ['checkpoint', 20, 20, null],
      ['terminal', 20, 20, 'success'],
    ]);
    const batchIds = new Set(lines.map((e) => e['batchId']));
    expect(batchIds.size).toBe(1);
    expect(String([...batchIds][0])).toMatch(/^[0-9a-f]{32}$/);
    for (const line of lines)
      expect(Object.keys(line)).toEqual(
        line['type'] === 'terminal'
          ? ['type', 'batchId', 'samplesCompleted', 'totalSamples', 'status', 'at']
          : ['type', 'batchId', 'samplesCompleted', 'totalSamples', 'at'],
      );
    expect(new Date(String(lines[0]?.['at'])).toISOString()).toBe(lines[0]?.['at']);
    // Off a TTY: one line per checkpoint (with the samples then in flight, at most the
    // concurrency) and one terminal line, on stderr only.
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^progress: 7\/20 samples \(35%\), [0-4] in flight$/),
      expect.stringMatching(/^progress: 14\/20 samples \(70%\), [0-4] in flight$/),
      expect.stringMatching(/^progress: 20\/20 samples \(100%\), [0-4] in flight$/),
      expect.stringMatching(/^progress: batch success: 20\/20 samples in \d+\.\ds$/),
    ]);
  });

  it('is quiet with --no-progress but still writes the progress file', async () => {
    const dir = await makeWorkspace({ 'ds.yml': DATASET, 'sut.mjs': SUT });
    const result = await runCli(
      [
        ...base,
        '--batch=concurrent',
        '--concurrency=4',
        '--checkpoint-every=10',
        '--progress-file',
        'p.ndjson',
        '--no-progress',
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect((await events(join(dir, 'p.ndjson'))).map((e) => e['samplesCompleted'])).toEqual([
      10, 20, 20,
    ]);
  });

  it('a SUT error stops the batch: exit 3, a report of every sample, a failure terminal event', async () => {
    const dir = await makeWorkspace({ 'ds.yml': DATASET, 'sut.mjs': SUT });
    const result = await runCli(
      [
        ...base,
        '--batch=concurrent',
        '--concurrency=4',
        '--checkpoint-every=5',
        '--progress-file',
        'p.ndjson',
        '--out',
        'r.json',
      ],
      {
        cwd: dir,
        env: { FAIL_AT_13: '1' },
      },
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      "sample error: System-under-test failed for sample 's13': model offline",
    );
    // The report is written all the same, covering every sample of the dataset.
    const report = await readFile(join(dir, 'r.json'), 'utf8');
    expect(report).toMatch(
      /\*\*Run stopped on an error: \d+ of 20 sample\(s\) scored, 1 errored, \d+ not run\.\*\*/,
    );
    expect(report).toContain(
      '| <code>s13</code> | 1 | System-under-test failed for sample &#039;s13&#039;: model offline |',
    );
    const lines = await events(join(dir, 'p.ndjson'));
    const terminals = lines.filter((e) => e['type'] === 'terminal');
    expect(terminals).toEqual([expect.objectContaining({ status: 'failure', totalSamples: 20 })]);
    // s0-s12 succeeded; the samples in flight with s13 (at most three) finish and count too;
    // nothing after them was dispatched.
    expect(terminals[0]?.['samplesCompleted']).toBeGreaterThanOrEqual(13);
    expect(terminals[0]?.['samplesCompleted']).toBeLessThanOrEqual(16);
  });

  it('--timeout aborts a slow sample with a message naming it and the limit', async () => {
    const dir = await makeWorkspace({
      'ds.yml': DATASET,
      'slow.mjs':
        "export default async ({ id }) => { if (id === 's3') await new Promise((r) => setTimeout(r, 5000)); return 'x'; };\n",
    });
    const result = await runCli(
      [
        'run',
        'ds.yml',
        '--metric',
        'exact-match',
        '--sut',
        'slow.mjs',
        '--batch=concurrent',
        '--concurrency=4',
        '--timeout=1',
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      "sample error: System-under-test for sample 's3' timed out after 1 second; the call was aborted",
    );
  });

  it('a config progress.reporter module receives the events', async () => {
    const dir = await makeWorkspace({
      'ds.yml': DATASET,
      'sut.mjs': SUT,
      'reporter.mjs': `import { appendFileSync } from 'node:fs';
export default {
  reportCheckpoint: (id, done, total) => appendFileSync('events.txt', 'checkpoint ' + done + '/' + total + '\\n'),
  reportTerminal: (id, done, total, status) => appendFileSync('events.txt', status + ' ' + done + '/' + total + '\\n'),
};
`,
      'eval-harness.config.json': JSON.stringify({
        progress: { reporter: { path: './reporter.mjs' } },
      }),
    });
    const result = await runCli(
      [...base, '--batch=concurrent', '--concurrency=5', '--checkpoint-every=10', '--no-progress'],
      { cwd: dir },
    );
    expect(result.code).toBe(0);
    expect(await readFile(join(dir, 'events.txt'), 'utf8')).toBe(
      'checkpoint 10/20\ncheckpoint 20/20\nsuccess 20/20\n',
    );
  });
});
