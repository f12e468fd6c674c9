// JSON Lines datasets and saved outputs from the built CLI: one sample (or answer) per line,
// every problem named by file and line, exit 2 before anything is called.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectOneLineError, makeWorkspace, runCli } from '../helpers/cli.js';

const line = (value: unknown) => JSON.stringify(value);
const sample = (i: number) =>
  line({ id: `s${i}`, input: { n: i }, expected_output: `answer ${i}`, metadata: { tags: ['t'] } });

async function workspace(files: Record<string, string>): Promise<string> {
  return makeWorkspace({
    'sut.mjs': "export default async ({ input }) => 'answer ' + input.n;\n",
    'eval-harness.config.json': JSON.stringify({
      datasets: { keyed: { path: 'keyed.jsonl', metrics: ['exact-match'] } },
      sut: { type: 'module', path: './sut.mjs' },
    }),
    ...files,
  });
}

describe('JSON Lines datasets and saved outputs', () => {
  it('runs a .jsonl dataset with a header line, and one named by its config key without one', async () => {
    const dir = await workspace({
      'qa.jsonl': [
        line({ schema_version: 'eval-harness.dataset.v1', name: 'qa', metrics: ['exact-match'] }),
        sample(1),
        '',
        `${sample(2)}\r`,
        sample(3),
      ].join('\n'),
      'keyed.jsonl': `${[sample(1), sample(2)].join('\n')}\n`,
    });
    const byPath = await runCli(['run', 'qa.jsonl', '--json', '--no-progress'], { cwd: dir });
    expect(byPath.code).toBe(0);
    const report = JSON.parse(byPath.stdout);
    expect([report.dataset, report.total_samples, report.metrics['exact-match'].mean]).toEqual([
      'qa',
      3,
      1,
    ]);
    const byKey = await runCli(['run', 'keyed', '--json', '--no-progress'], { cwd: dir });
    expect(byKey.code).toBe(0);
    expect([JSON.parse(byKey.stdout).dataset, JSON.parse(byKey.stdout).total_samples]).toEqual([
      'keyed',
      2,
    ]);
  });

  it.each([
    ['a line that is not JSON', [sample(1), '{"id": "s2",'], 'bad.jsonl: line 2 is not valid JSON'],
    [
      'a sample without input',
      [sample(1), line({ id: 's2', expected_output: 'x' })],
      "bad.jsonl: line 2: Sample 's2' (index 1) missing required field 'input'",
    ],
    [
      'a repeated id',
      [sample(1), sample(2), sample(1)],
      "bad.jsonl: line 3: Duplicate sample id 's1'",
    ],
    ['no sample at all', [line({ name: 'bad' })], 'must hold at least one sample'],
  ])('refuses %s with exit 2, naming the file and the line', async (_what, lines, fragment) => {
    const dir = await workspace({ 'bad.jsonl': lines.join('\n') });
    const result = await runCli(['run', 'bad.jsonl', '--metric', 'exact-match'], { cwd: dir });
    expectOneLineError(result, 2, fragment);
  });

  it('refuses a .jsonl dataset that is not UTF-8', async () => {
    const dir = await workspace({});
    await writeFile(
      join(dir, 'latin.jsonl'),
      Buffer.concat([
        Buffer.from(`${sample(1)}\n{"id": "caf`),
        Buffer.from([0xe9]),
        Buffer.from('"}\n'),
      ]),
    );
    const result = await runCli(['run', 'latin.jsonl', '--metric', 'exact-match'], { cwd: dir });
    expectOneLineError(result, 2, 'latin.jsonl is not valid UTF-8');
  });

  it('refuses .jsonl saved outputs that are not UTF-8, naming the file', async () => {
    const dir = await workspace({ 'keyed.jsonl': [sample(1), sample(2)].join('\n') });
    await writeFile(
      join(dir, 'latin-outputs.jsonl'),
      Buffer.concat([
        Buffer.from(`${line({ id: 's1', output: 'answer 1' })}\n{"id": "s2", "output": "caf`),
        Buffer.from([0xe9]),
        Buffer.from('"}\n'),
      ]),
    );
    const result = await runCli(['run', 'keyed', '--outputs', 'latin-outputs.jsonl'], {
      cwd: dir,
    });
    expectOneLineError(result, 2, 'latin-outputs.jsonl is not valid UTF-8');
  });

  it('scores .jsonl saved outputs, text or whole answers, and names a bad line', async () => {
    const dir = await workspace({
      'keyed.jsonl': [sample(1), sample(2)].join('\n'),
      'outputs.jsonl': [
        line({ id: 's1', output: 'answer 1' }),
        line({ id: 's2', output: 'answer 2', retrieved: ['doc-2'] }),
      ].join('\n'),
      'twice.jsonl': [line({ id: 's1', output: 'a' }), line({ id: 's1', output: 'b' })].join('\n'),
    });
    const scored = await runCli(['run', 'keyed', '--outputs', 'outputs.jsonl', '--json'], {
      cwd: dir,
    });
    expect(scored.code).toBe(0);
    const report = JSON.parse(scored.stdout);
    expect(report.metrics['exact-match'].mean).toBe(1);
    expect(report.samples[1].retrieved_ids).toEqual(['doc-2']);
    const twice = await runCli(['run', 'keyed', '--outputs', 'twice.jsonl'], { cwd: dir });
    expectOneLineError(twice, 2, "Duplicate saved output for sample 's1' at line 2");
  });

  it.each([[[]], [['-j', '4']], [['--repeat', '2']]])(
    'writes one --jsonl line per finished sample, an error line for a sample the SUT could not answer (%j)',
    async (flags) => {
      const dir = await workspace({
        'keyed.jsonl': [sample(1), sample(2), sample(3)].join('\n'),
        'sut.mjs':
          "export default async ({ input }) => { if (input.n === 2) throw new Error('upstream 503'); return 'answer ' + input.n; };\n",
      });
      const result = await runCli(
        [
          'run',
          'keyed',
          '--jsonl',
          'out/samples.jsonl',
          '--max-errors',
          '5',
          '--no-progress',
          ...flags,
        ],
        { cwd: dir },
      );
      expect(result.code).toBe(1);
      const repeats = flags.includes('--repeat') ? 2 : 1;
      expect(result.stderr).toContain(`Wrote ${3 * repeats} sample line(s) of JSON Lines to`);
      const lines = (await readFile(join(dir, 'out', 'samples.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((text) => JSON.parse(text));
      expect(lines).toHaveLength(3 * repeats);
      const byId = (id: string) => lines.filter((entry) => entry.id === id);
      expect(byId('s1')[0]).toMatchObject({
        dataset: 'keyed',
        output: 'answer 1',
        scores: { 'exact-match': 1 },
        failures: [],
        error: null,
      });
      expect(byId('s2')[0]).toMatchObject({
        output: null,
        error: expect.stringContaining('upstream 503'),
      });
      if (repeats > 1)
        expect(
          byId('s3')
            .map((entry) => entry.repeat)
            .sort(),
        ).toEqual([1, 2]);
    },
  );

  it('writes --jsonl lines for saved outputs too', async () => {
    const dir = await workspace({
      'keyed.jsonl': [sample(1), sample(2)].join('\n'),
      'outputs.jsonl': [
        line({ id: 's1', output: 'answer 1' }),
        line({ id: 's2', output: 'no' }),
      ].join('\n'),
    });
    const result = await runCli(
      ['run', 'keyed', '--outputs', 'outputs.jsonl', '--jsonl', 'lines.jsonl'],
      { cwd: dir },
    );
    expect(result.code).toBe(0);
    const lines = (await readFile(join(dir, 'lines.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((text) => JSON.parse(text).scores['exact-match']).sort()).toEqual([0, 1]);
  });
});
