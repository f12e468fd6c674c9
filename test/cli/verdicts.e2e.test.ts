// Verdicts a reader can trust, through the built CLI: each metric's own pass line (config,
// dataset, sample), the samples below it in Markdown, and comparisons that say whether a change
// is bigger than the noise.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli } from '../helpers/cli.js';

/** Ten samples; the SUT answers `answer <n>` except where `wrong` says otherwise. */
const DATASET = [
  'name: ten',
  'samples:',
  ...Array.from({ length: 10 }, (_, i) =>
    i === 3
      ? `  - { id: s${i}, input: { n: ${i} }, expected_output: "the answer is ${i} today", metadata: { thresholds: { rouge-l: 0.2 } } }`
      : `  - { id: s${i}, input: { n: ${i} }, expected_output: "the answer is ${i} today" }`,
  ),
].join('\n');

/**
 * Answers exactly, except the samples in WRONG ('no idea') and in PARTIAL, or all with
 * PARTIAL=all ('the answer is <n>': rouge-l 0.8889 against the expected answer).
 */
const SUT = `const among = (list, n) => list === 'all' || (list ?? '').split(',').includes(String(n));
export default ({ input }) =>
  among(process.env.WRONG, input.n) ? 'no idea'
  : among(process.env.PARTIAL, input.n) ? 'the answer is ' + input.n
  : 'the answer is ' + input.n + ' today';
`;

async function workspace(config: Record<string, unknown> = {}) {
  return makeWorkspace({
    'ten.yml': DATASET,
    'sut.mjs': SUT,
    'eval-harness.config.json': JSON.stringify({
      datasets: {
        ten: { path: 'ten.yml', metrics: ['exact-match', { name: 'rouge-l', threshold: 0.9 }] },
      },
      sut: { type: 'module', path: './sut.mjs' },
      ...config,
    }),
  });
}

describe('pass lines', () => {
  it('holds each metric to its own line, a sample to its own, and says so in every report', async () => {
    const dir = await workspace();
    const partial = { env: { PARTIAL: 'all' } };
    const result = await runCli(['run', 'ten', '--json', '--junit', 'j.xml'], {
      cwd: dir,
      ...partial,
    });
    // Pass rates alone do not fail a run: a --fail-under gate does.
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.pass_lines).toEqual({ 'exact-match': 0.5, 'rouge-l': 0.9 });
    // 'the answer is n' against 'the answer is n today': rouge-l 0.889, below 0.9 everywhere
    // but on s3, whose own line is 0.2.
    expect(report.metrics['rouge-l'].pass_rate).toBe(0.1);
    expect(report.samples[3].pass_lines).toEqual({ 'rouge-l': 0.2 });
    const junit = await readFile(join(dir, 'j.xml'), 'utf8');
    expect(junit).toContain('rouge-l scored 0.8889 (pass line 0.9)');
    const markdown = await runCli(['run', 'ten'], { cwd: dir, ...partial });
    expect(markdown.stdout).toContain('| rouge-l | >= 0.9 (some samples set their own) |');
  });

  it('takes a metric threshold from the config, and a dataset entry wins over it', async () => {
    const dir = await workspace({
      metrics: { 'rouge-l': { threshold: 0.5 }, 'exact-match': { threshold: 1 } },
    });
    const report = JSON.parse((await runCli(['run', 'ten', '--json'], { cwd: dir })).stdout);
    expect(report.pass_lines).toEqual({ 'exact-match': 1, 'rouge-l': 0.9 });
  });

  it('refuses a threshold for a metric the dataset does not score, with a did-you-mean (exit 2)', async () => {
    const dir = await makeWorkspace({
      'ds.yml':
        'name: ds\nsamples:\n  - { id: a, input: {}, expected_output: x, metadata: { thresholds: { rouge_l: 0.8 } } }\n',
      'sut.mjs': "export default () => 'x';\n",
    });
    const sample = await runCli(
      ['run', 'ds.yml', '--sut', 'sut.mjs', '--metric', 'rouge-l', '--metric', 'exact-match'],
      { cwd: dir },
    );
    expect(sample.code).toBe(2);
    expect(sample.stderr).toBe(
      "error: Dataset 'ds' sample 'a' metadata.thresholds names metric 'rouge_l', which the dataset does not score (did you mean 'rouge-l'?).\n",
    );
    const config = await workspace({ metrics: { rouge_l: { threshold: 0.5 } } });
    const built = await runCli(['run', 'ten'], { cwd: config });
    expect(built.code).toBe(2);
    expect(built.stderr).toContain("'rouge_l' is not a built-in metric");
    expect(built.stderr).toContain("(did you mean 'rouge-l'?)");
  });
});

describe('the Markdown report says why', () => {
  it('lists the samples below the pass line, worst first, with the expected and actual answers', async () => {
    const dir = await workspace();
    const result = await runCli(['run', 'ten', '--max-rows', '2'], {
      cwd: dir,
      env: { WRONG: '7', PARTIAL: '2,5' },
    });
    expect(result.stdout).toContain('## Samples below the pass line (3)');
    const rows = result.stdout.split('\n').filter((line) => line.startsWith('| <code>s'));
    // s7 fell furthest (it answered 'no idea'), then s2 and s5 by how far they fell.
    expect(rows).toEqual([
      '| <code>s7</code> | exact-match 0.00 &lt; 0.5; rouge-l 0.00 &lt; 0.9 | the answer is 7 today | no idea |',
      '| <code>s2</code> | exact-match 0.00 &lt; 0.5; rouge-l 0.89 &lt; 0.9 | the answer is 2 today | the answer is 2 |',
    ]);
    expect(result.stdout).toContain('… and 1 more (--max-rows to show more).');
  });
});

describe('comparisons that know the noise', () => {
  async function twoRuns() {
    const dir = await workspace();
    await runCli(['run', 'ten', '--json', '--out', 'main.json'], { cwd: dir });
    await runCli(['run', 'ten', '--json', '--out', 'pr.json'], {
      cwd: dir,
      env: { WRONG: '1,2,4,5,6,8' },
    });
    return dir;
  }

  it('prints one line per metric: change, interval, verdict, p, and the smallest change it can detect', async () => {
    const dir = await twoRuns();
    const result = await runCli(['compare', 'main.json', 'pr.json'], { cwd: dir });
    expect(result.stdout).toContain('### Is the change real? (95 % confidence)');
    // Six of ten samples fell from 1 to 0: −60 points, t interval [−96.9, −23.1] with 9 degrees
    // of freedom, and six pass→fail flips against none (McNemar p = 2 × 0.5^6).
    expect(result.stdout).toContain(
      '- rouge-l −60.0 pp [−96.9, −23.1] worse, p = 0.005, detects ≥ 51.4 pp (n = 10; pass→fail 6, fail→pass 0, McNemar p = 0.03)',
    );
    const json = JSON.parse(
      (
        await runCli(['compare', 'main.json', 'pr.json', '--json', '--confidence', '0.9'], {
          cwd: dir,
        })
      ).stdout,
    );
    expect(json.confidence).toBe(0.9);
    expect(json.datasets[0].statistics['exact-match']).toMatchObject({
      n: 10,
      verdict: 'worse',
      pass_to_fail: 6,
      fail_to_pass: 0,
    });
  });

  it('gates with units, refuses an ambiguous bare limit, and with --significant fails only on evidence', async () => {
    const dir = await twoRuns();
    const ambiguous = await runCli(
      ['compare', 'main.json', 'pr.json', '--max-drop', 'rouge-l=0.05'],
      {
        cwd: dir,
      },
    );
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('write 0.05score');
    const score = await runCli(
      ['compare', 'main.json', 'pr.json', '--max-drop', 'rouge-l=0.6score'],
      { cwd: dir },
    );
    expect(score.code).toBe(0);
    const points = await runCli(['compare', 'main.json', 'pr.json', '--max-drop', 'rouge-l=50pp'], {
      cwd: dir,
    });
    expect(points.code).toBe(1);
    expect(points.stderr).toContain('(rule: point estimate)');
    // A 60-point drop whose interval reaches above −50 is no evidence of a drop beyond 50.
    const evidence = await runCli(
      ['compare', 'main.json', 'pr.json', '--max-drop', 'rouge-l=50pp', '--significant'],
      { cwd: dir },
    );
    expect(evidence.code).toBe(0);
    const regressed = await runCli(
      ['compare', 'main.json', 'pr.json', '--max-regressed', '2', '--significant'],
      { cwd: dir },
    );
    expect(regressed.code).toBe(1);
    expect(regressed.stderr).toContain('(rule: McNemar at 95 %)');
  });
});

describe('judge drift', () => {
  it('warns on stderr and in the comparison when the judge changed or one run used cached scores', async () => {
    const dir = await workspace();
    await runCli(['run', 'ten', '--json', '--out', 'main.json'], { cwd: dir });
    await runCli(['run', 'ten', '--json', '--out', 'pr.json'], { cwd: dir });
    const edit = async (file: string, change: (report: Record<string, unknown>) => void) => {
      const report = JSON.parse(await readFile(join(dir, file), 'utf8'));
      change(report);
      await writeFile(join(dir, file), JSON.stringify(report));
    };
    await edit('main.json', (report) => {
      report['providers'] = { judge: { model: 'judge-a', fingerprint: 'aaaaaaaaaaaa' } };
    });
    await edit('pr.json', (report) => {
      report['providers'] = { judge: { model: 'judge-b', fingerprint: 'bbbbbbbbbbbb' } };
      (report['usage'] as Record<string, unknown>)['cached_calls'] = 4;
    });
    const result = await runCli(['compare', 'main.json', 'pr.json'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      [
        'warning: ten: the judge model changed (base judge-a, head judge-b): its scores may not be comparable',
        "warning: ten: the head run took 4 answer(s) or score(s) from the response cache and the base run none: cached scores repeat an earlier run's judgement",
        '',
      ].join('\n'),
    );
    expect(result.stdout).toContain(
      '- **warning**: the judge model changed (base judge-a, head judge-b): its scores may not be comparable',
    );
  });
});
