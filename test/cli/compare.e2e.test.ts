import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adversarialSamples } from '../../src/adversarial/index.js';
import { expectOneLineError, makeWorkspace, runCli } from '../helpers/cli.js';

const DATASET = `name: qa
samples:
  - { id: s1, input: { q: 1 }, expected_output: one, metadata: { tags: [easy] } }
  - { id: s2, input: { q: 2 }, expected_output: two, metadata: { tags: [easy] } }
  - { id: s3, input: { q: 3 }, expected_output: three }
  - { id: s4, input: { q: 4 }, expected_output: four }
`;
const outputs = (entries: Record<string, string>) => JSON.stringify({ outputs: entries });
const MAIN = { s1: 'one', s2: 'two', s3: 'three', s4: 'nope' };
/** s2 regresses, s4 improves. */
const PR = { s1: 'one', s2: 'too', s3: 'three', s4: 'four' };

const score = (out: string) => ['run', 'qa.yml', '--metric', 'exact-match', '--outputs', out];

/** A workspace holding the dataset, both output files and main's and the PR's JSON reports. */
async function reportsWorkspace(): Promise<string> {
  const dir = await makeWorkspace({
    'qa.yml': DATASET,
    'main-outputs.json': outputs(MAIN),
    'pr-outputs.json': outputs(PR),
    'other.yml': DATASET.replace('name: qa', 'name: other'),
  });
  for (const [outputsFile, report] of [
    ['main-outputs.json', 'main.json'],
    ['pr-outputs.json', 'pr.json'],
  ] as const) {
    const run = await runCli([...score(outputsFile), '--json', '--out', report], { cwd: dir });
    expect(run.code).toBe(0);
  }
  return dir;
}

const exists = async (path: string) => (await stat(path).catch(() => undefined)) !== undefined;

describe('eval-harness compare (child process)', () => {
  it('prints Markdown with the regressed samples first and exits 0 without gates', async () => {
    const dir = await reportsWorkspace();
    const result = await runCli(['compare', 'main.json', 'pr.json'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^# Comparison — qa\n\nBase: `main.json` · head: `pr.json`\n/);
    expect(result.stdout).toContain('| s2 | exact-match | 1.0000 | 0.0000 |');
    expect(result.stdout).toContain('| s4 | exact-match | 0.0000 | 1.0000 |');
    expect(result.stdout).toContain('| exact-match | mean | 0.7500 | 0.7500 | +0.0000 |');
    expect(result.stdout.indexOf('### Regressed')).toBeLessThan(
      result.stdout.indexOf('### Improved'),
    );
  });

  it('writes the comparison JSON to --out with the comparison schema version', async () => {
    const dir = await reportsWorkspace();
    const result = await runCli(['compare', 'main.json', 'pr.json', '--json', '--out', 'c.json'], {
      cwd: dir,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    const json = JSON.parse(await readFile(join(dir, 'c.json'), 'utf8'));
    expect(json).toMatchObject({
      schema_version: 'eval-harness.comparison.v1',
      kind: 'dataset',
      base: 'main.json',
      head: 'pr.json',
      pass_threshold: 0.5,
    });
    expect(json.datasets[0].samples).toEqual({
      paired: 4,
      regressed: [{ id: 's2', metric: 'exact-match', base: 1, head: 0 }],
      improved: [{ id: 's4', metric: 'exact-match', base: 0, head: 1 }],
      only_in_base: [],
      only_in_head: [],
    });
    expect(json.datasets[0].cohorts[0]).toMatchObject({
      tag: 'easy',
      metrics: { 'exact-match': { mean: { base: 1, head: 0.5, delta: -0.5 } } },
    });
  });

  it('exits 1 with one stderr line per failed gate, and 0 when the gates hold', async () => {
    const dir = await reportsWorkspace();
    const failed = await runCli(
      [
        'compare',
        'main.json',
        'pr.json',
        '--max-regressed',
        '0',
        '--max-drop',
        'exact-match:pass_rate=0',
        '--max-drop',
        'macro_f1=0',
      ],
      { cwd: dir },
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim().split('\n')).toEqual([
      'Comparison gate failed: 1 sample(s) crossed the pass line downwards, above --max-regressed 0 (rule: count)',
    ]);
    expect(failed.stdout).toContain('| --max-regressed 0 | all | 1 | 0 | FAIL | count |');
    expect(failed.stdout).toContain(
      '| --max-drop exact-match:pass_rate=0 | qa | 0.00 | 0 | pass | point estimate |',
    );

    const worse = await runCli(
      ['compare', 'pr.json', 'main.json', '--max-drop', 'exact-match=10', '--json'],
      { cwd: dir },
    );
    expect(worse.code).toBe(0);
    const held = await runCli(['compare', 'main.json', 'pr.json', '--max-regressed', '1'], {
      cwd: dir,
    });
    expect(held.code).toBe(0);
    expect(held.stderr).toBe('');
  });

  it('fails a --max-drop gate on a drop larger than allowed', async () => {
    const dir = await reportsWorkspace();
    await writeFile(join(dir, 'bad-outputs.json'), outputs({ ...MAIN, s1: 'x', s2: 'y' }));
    expect(
      (await runCli([...score('bad-outputs.json'), '--json', '--out', 'bad.json'], { cwd: dir }))
        .code,
    ).toBe(0);
    const result = await runCli(
      ['compare', 'main.json', 'bad.json', '--max-drop', 'exact-match=25'],
      {
        cwd: dir,
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'Comparison gate failed (qa): exact-match:mean dropped by 50.00 percentage points (0.7500 -> 0.2500), above --max-drop 25 (rule: point estimate)\n',
    );
  });

  it('rejects bad input with exit 2 and one line naming the file', async () => {
    const dir = await reportsWorkspace();
    await writeFile(join(dir, 'text.json'), 'hello');
    await writeFile(join(dir, 'foreign.json'), '{"results": []}');
    await writeFile(join(dir, 'future.json'), '{"schema_version": "eval-harness.report.v7"}');
    await runCli(
      [
        'run',
        'other.yml',
        '--metric',
        'exact-match',
        '--outputs',
        'main-outputs.json',
        '--json',
        '--out',
        'other.json',
      ],
      { cwd: dir },
    );
    const main = JSON.parse(await readFile(join(dir, 'main.json'), 'utf8'));
    await writeFile(
      join(dir, 'set.json'),
      JSON.stringify({
        schema_version: 'eval-harness.eval-set-run.v1',
        eval_set: 'n',
        reports: [main],
      }),
    );
    const cases: [string[], string][] = [
      [['text.json', 'pr.json'], 'text.json is not JSON'],
      [['main.json', 'foreign.json'], 'foreign.json is not a report of eval-harness'],
      [['future.json', 'pr.json'], "future.json has schema_version 'eval-harness.report.v7'"],
      [
        ['main.json', 'other.json'],
        "main.json is a report of dataset 'qa' and other.json of 'other'",
      ],
      [
        ['main.json', 'set.json'],
        'main.json is a dataset report and set.json is an eval-set report',
      ],
      [['main.json', 'missing.json'], 'missing.json does not exist'],
      [['main.json', 'pr.json', '--max-drop', 'exact=5'], "--max-drop names metric 'exact'"],
      [['main.json', 'pr.json', '--max-drop', 'exact-match'], "Invalid --max-drop 'exact-match'"],
      [
        ['main.json', 'pr.json', '--json', '--markdown'],
        "option '--json' cannot be used with option '--markdown'",
      ],
    ];
    for (const [args, fragment] of cases)
      expectOneLineError(await runCli(['compare', ...args], { cwd: dir }), 2, fragment);

    const allowed = await runCli(
      ['compare', 'main.json', 'other.json', '--allow-dataset-mismatch'],
      {
        cwd: dir,
      },
    );
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain('# Comparison — other');
  });

  it('writes a self-contained HTML page with --html', async () => {
    const dir = await reportsWorkspace();
    const result = await runCli(['compare', 'main.json', 'pr.json', '--html', 'out/c.html'], {
      cwd: dir,
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^Wrote \d+ bytes of HTML to .*out\/c\.html\n$/);
    const html = await readFile(join(dir, 'out/c.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).not.toMatch(/\b(src|href)=["']?https?:/i);
  });
});

describe('eval-harness run --baseline (child process)', () => {
  it('adds a comparison key before gates in the JSON report and a section to the Markdown', async () => {
    const dir = await reportsWorkspace();
    const json = await runCli(
      [
        ...score('pr-outputs.json'),
        '--baseline',
        'main.json',
        '--fail-under',
        'exact-match=0.1',
        '--json',
      ],
      { cwd: dir },
    );
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    const keys = Object.keys(report);
    expect(keys.slice(-2)).toEqual(['comparison', 'gates']);
    expect(report.comparison).toMatchObject({
      schema_version: 'eval-harness.comparison.v1',
      base: 'main.json',
      head: 'this run',
    });
    expect(report.comparison.datasets[0].samples.regressed).toEqual([
      { id: 's2', metric: 'exact-match', base: 1, head: 0 },
    ]);

    const markdown = await runCli([...score('pr-outputs.json'), '--baseline', 'main.json'], {
      cwd: dir,
    });
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toMatch(/^# Eval report — qa\n/);
    expect(markdown.stdout).toContain(
      '\n## Comparison — qa\n\nBase: `main.json` · head: `this run`\n',
    );
    expect(markdown.stdout).toContain('\n#### Regressed');
  });

  it('exits 1 on a failed comparison gate and still writes the whole report', async () => {
    const dir = await reportsWorkspace();
    const result = await runCli(
      [
        ...score('pr-outputs.json'),
        '--baseline',
        'main.json',
        '--max-regressed',
        '0',
        '--json',
        '--out',
        'r.json',
        '--html',
        'r.html',
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'Comparison gate failed: 1 sample(s) crossed the pass line downwards, above --max-regressed 0 (rule: count)',
    );
    const report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'));
    expect(report.comparison.gates).toEqual([
      {
        kind: 'max-regressed',
        gate: '--max-regressed 0',
        dataset: null,
        passed: false,
        actual: 1,
        limit: 0,
        rule: 'count',
      },
    ]);
    expect(await exists(join(dir, 'r.html'))).toBe(true);
  });

  it('refuses a missing baseline, unless --baseline-optional, which warns and skips', async () => {
    const dir = await reportsWorkspace();
    expectOneLineError(
      await runCli([...score('pr-outputs.json'), '--baseline', 'none.json'], { cwd: dir }),
      2,
      'none.json does not exist',
    );
    const optional = await runCli(
      [
        ...score('pr-outputs.json'),
        '--baseline',
        'none.json',
        '--baseline-optional',
        '--max-regressed',
        '0',
        '--json',
      ],
      { cwd: dir },
    );
    expect(optional.code).toBe(0);
    expect(optional.stderr).toContain(
      '--baseline none.json does not exist; the comparison is skipped (--baseline-optional).',
    );
    expect(JSON.parse(optional.stdout).comparison).toBeUndefined();
  });

  it('checks the baseline and the gate flags before running anything', async () => {
    const dir = await reportsWorkspace();
    await writeFile(join(dir, 'broken.json'), '{');
    const cases: [string[], string][] = [
      [['--max-drop', 'exact-match=5'], '--max-drop requires --baseline <report.json>.'],
      [['--max-regressed', '0'], '--max-regressed requires --baseline <report.json>.'],
      [['--baseline-optional'], '--baseline-optional requires --baseline <report.json>.'],
      [['--baseline', 'broken.json'], 'broken.json is not JSON'],
      [['--baseline', 'main.json', '--max-drop', 'rouge=5'], "--max-drop names metric 'rouge'"],
      [['--baseline', 'main.json', '--max-regressed', 'x'], "Invalid --max-regressed 'x'"],
    ];
    for (const [flags, fragment] of cases)
      expectOneLineError(
        await runCli([...score('pr-outputs.json'), ...flags], { cwd: dir }),
        2,
        fragment,
      );
    expectOneLineError(
      await runCli(
        [
          'run',
          'other.yml',
          '--metric',
          'exact-match',
          '--outputs',
          'pr-outputs.json',
          '--baseline',
          'main.json',
        ],
        { cwd: dir },
      ),
      2,
      "main.json is a report of dataset 'qa', not 'other'; pass a baseline of the same dataset.",
    );
  });

  it('compares an eval-set run with a saved eval-set report, pairing datasets by name', async () => {
    const dir = await makeWorkspace({
      'a.yml': DATASET.replace('name: qa', 'name: a'),
      'b.yml': DATASET.replace('name: qa', 'name: b'),
      'sut.mjs': `import { existsSync } from 'node:fs';\nconst good = { s1: 'one', s2: 'two', s3: 'three', s4: 'four' };\nexport default ({ id }) => existsSync('worse') && id === 's1' ? 'no' : good[id];\n`,
      'eval-harness.config.json': JSON.stringify({
        datasets: {
          a: { path: 'a.yml', metrics: ['exact-match'] },
          b: { path: 'b.yml', metrics: ['exact-match'] },
        },
        sut: { type: 'module', path: './sut.mjs' },
        evalSets: { nightly: ['a', 'b'] },
      }),
    });
    const first = await runCli(['run', '--eval-set', 'nightly', '--json', '--out', 'main.json'], {
      cwd: dir,
    });
    expect(first.code).toBe(0);
    await writeFile(join(dir, 'worse'), '');
    const second = await runCli(
      ['run', '--eval-set', 'nightly', '--baseline', 'main.json', '--max-regressed', '1', '--json'],
      { cwd: dir },
    );
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(
      'Comparison gate failed: 2 sample(s) crossed the pass line downwards, above --max-regressed 1 (rule: count)',
    );
    const report = JSON.parse(second.stdout);
    expect(report.comparison).toMatchObject({ kind: 'eval-set', eval_set: 'nightly' });
    expect(report.comparison.datasets.map((d: { dataset: string }) => d.dataset)).toEqual([
      'a',
      'b',
    ]);
    const markdown = await runCli(['compare', 'main.json', 'main.json'], { cwd: dir });
    expect(markdown.stdout).toContain('# Comparison — eval set nightly');
    expectOneLineError(
      await runCli(['run', 'a', '--baseline', 'main.json'], { cwd: dir }),
      2,
      'main.json is an eval-set report; --baseline of a dataset run needs a dataset report.',
    );
  });

  it('compares an adversarial sweep with a saved one and writes its HTML page', async () => {
    const expected = adversarialSamples(['prompt-injection'])[0]?.expectedOutput as string;
    const dir = await makeWorkspace({
      'ok.json': outputs({ 'adv.prompt-injection': expected }),
      'bad.json': outputs({ 'adv.prompt-injection': 'unsafe' }),
    });
    const sweep = ['adversarial', '--category=prompt-injection', '--metric=exact-match'];
    expect(
      (await runCli([...sweep, '--outputs=ok.json', '--json', '--out=main.json'], { cwd: dir }))
        .code,
    ).toBe(0);
    const result = await runCli(
      [
        ...sweep,
        '--outputs=bad.json',
        '--baseline=main.json',
        '--max-drop=exact-match=50',
        '--json',
        '--html=adv.html',
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('exact-match:mean dropped by 100.00 percentage points');
    const report = JSON.parse(result.stdout);
    expect(report.comparison.datasets[0].samples.regressed[0].id).toBe('adv.prompt-injection');
    const html = await readFile(join(dir, 'adv.html'), 'utf8');
    // The page shows the output, never the attack prompt (reports hold no raw adversarial prompts).
    expect(html).toContain('unsafe');
    expect(html).not.toContain('hidden system prompt word for word');
  });
});
