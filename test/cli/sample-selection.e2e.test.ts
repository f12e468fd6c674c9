// Picking the samples to run from the built CLI: a CI matrix of shards, a rerun of what failed,
// a tag filter over saved outputs, and the errors of each flag.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectOneLineError, makeWorkspace, numberedDatasetYaml, runCli } from '../helpers/cli.js';

async function workspace(): Promise<string> {
  return makeWorkspace({
    'qa.yml': numberedDatasetYaml('qa', 30, (i) => `, metadata: { tags: [t${i % 3}] }`),
    // Every seventh answer is wrong; each call is logged, to see which samples ran.
    'sut.mjs': `import { appendFileSync } from 'node:fs';
export default async ({ id, input }) => {
  appendFileSync('calls.log', id + '\\n');
  return input.n % 7 === 0 ? 'wrong' : 'answer ' + input.n;
};
`,
    'eval-harness.config.json': JSON.stringify({
      datasets: { qa: { path: 'qa.yml', metrics: ['exact-match'] } },
      sut: { type: 'module', path: './sut.mjs' },
    }),
  });
}

const idsOf = (report: { samples: { id: string }[] }) => report.samples.map((sample) => sample.id);

describe('sample selection from the CLI', () => {
  it('runs a CI matrix of shards that together cover every sample once, each report saying its shard', async () => {
    const dir = await workspace();
    const shards: string[][] = [];
    for (const shard of ['1/3', '2/3', '3/3']) {
      const result = await runCli(['run', 'qa', '--shard', shard, '--json', '--no-progress'], {
        cwd: dir,
      });
      expect([result.code, result.stderr]).toEqual([0, '']);
      const report = JSON.parse(result.stdout);
      expect(report.selection).toMatchObject({ shard, dataset_samples: 30 });
      expect(report.selection.selected_samples).toBe(report.samples.length);
      shards.push(idsOf(report));
    }
    expect(shards.flat().sort()).toEqual(Array.from({ length: 30 }, (_, i) => `s${i}`).sort());
    const markdown = await runCli(['run', 'qa', '--shard', '2/3', '--no-progress'], { cwd: dir });
    expect(markdown.stdout).toContain(`Selection: shard 2/3: ${shards[1]?.length} of 30 samples.`);
  });

  it('reruns only the samples a report did not pass, calling the SUT for those alone', async () => {
    const dir = await workspace();
    const first = await runCli(['run', 'qa', '--json', '-o', 'first.json', '--no-progress'], {
      cwd: dir,
    });
    expect(first.code).toBe(0);
    await writeFile(join(dir, 'calls.log'), '');
    const rerun = await runCli(
      ['run', 'qa', '--filter-failing', 'first.json', '--json', '--no-progress'],
      { cwd: dir },
    );
    expect(rerun.code).toBe(0);
    const failing = ['s0', 's7', 's14', 's21', 's28'];
    expect(idsOf(JSON.parse(rerun.stdout))).toEqual(failing);
    expect((await readFile(join(dir, 'calls.log'), 'utf8')).trim().split('\n')).toEqual(failing);
    expect(JSON.parse(rerun.stdout).selection.filter_failing).toBe('first.json');
  });

  it('takes a tag, an id pattern and a limit over saved outputs, which still cover the whole dataset', async () => {
    const dir = await workspace();
    await writeFile(
      join(dir, 'outputs.json'),
      JSON.stringify({
        outputs: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`s${i}`, `answer ${i}`])),
      }),
    );
    const result = await runCli(
      [
        'run',
        'qa',
        '--outputs',
        'outputs.json',
        '--tag',
        't1',
        '--filter-id',
        '^s1',
        '--limit',
        '3',
        '--json',
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(0);
    expect(idsOf(JSON.parse(result.stdout))).toEqual(['s1', 's10', 's13']);
  });

  it('merges the shard reports into one report over every sample, gated like a whole run', async () => {
    const dir = await workspace();
    for (const shard of [1, 2, 3])
      expect(
        (
          await runCli(
            [
              'run',
              'qa',
              '--shard',
              `${shard}/3`,
              '--json',
              '-o',
              `qa-${shard}.json`,
              '--no-progress',
            ],
            { cwd: dir },
          )
        ).code,
      ).toBe(0);
    const whole = await runCli(['run', 'qa', '--json', '--no-progress'], { cwd: dir });
    const merged = await runCli(['merge', 'qa-1.json', 'qa-2.json', 'qa-3.json', '--json'], {
      cwd: dir,
    });
    expect(merged.code).toBe(0);
    const [mergedReport, wholeReport] = [JSON.parse(merged.stdout), JSON.parse(whole.stdout)];
    expect([mergedReport.dataset, mergedReport.total_samples, mergedReport.status]).toEqual([
      'qa',
      30,
      'complete',
    ]);
    expect(idsOf(mergedReport).sort()).toEqual(idsOf(wholeReport).sort());
    expect(mergedReport.metrics['exact-match'].pass_rate).toBeCloseTo(
      wholeReport.metrics['exact-match'].pass_rate,
      12,
    );
    expect(mergedReport.cohorts).toEqual(wholeReport.cohorts);
    // 25 of 30 answers are right: a gate at 0.9 fails the merged whole, as it would the run.
    const gated = await runCli(
      ['merge', 'qa-1.json', 'qa-2.json', 'qa-3.json', '--fail-under', 'exact-match=0.9'],
      { cwd: dir },
    );
    expect(gated.code).toBe(1);
    expect(gated.stderr).toContain('exact-match');
    const overlap = await runCli(['merge', 'qa-1.json', 'qa-2.json', 'qa-1.json'], { cwd: dir });
    expectOneLineError(overlap, 2, 'shards must not overlap');
    await writeFile(
      join(dir, 'other.json'),
      whole.stdout.replace('"dataset": "qa"', '"dataset": "other"'),
    );
    const mixed = await runCli(['merge', 'qa-1.json', 'other.json'], { cwd: dir });
    expectOneLineError(mixed, 2, 'merge the shards of one dataset');
  });

  it.each([
    [['--shard', '4/3'], '--shard'],
    [['--seed', '3'], '--seed requires --sample'],
    [['--sample', '0'], '--sample'],
    [['--filter-id', '('], '--filter-id'],
    [['--tag', 'nope'], 'keeps none of the 30 samples'],
    [['--shard', '1/2', '--resume', 'first.json'], '--resume'],
    [['--filter-failing', 'missing.json'], 'missing.json does not exist'],
  ])('refuses %j with exit 2 and one line, before calling the SUT', async (flags, fragment) => {
    const dir = await workspace();
    const result = await runCli(['run', 'qa', ...flags], { cwd: dir });
    expectOneLineError(result, 2, fragment);
    await expect(readFile(join(dir, 'calls.log'), 'utf8')).rejects.toThrow();
  });
});
