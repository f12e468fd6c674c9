import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adversarialSamples } from '../../src/adversarial/index.js';
import { makeWorkspace, runCli } from '../helpers/cli.js';

const expected = (category: string) => adversarialSamples([category])[0]?.expectedOutput as string;
const outputs = (entries: Record<string, string>) => JSON.stringify({ outputs: entries });

async function workspace(): Promise<string> {
  return makeWorkspace({
    'pi-ok.json': outputs({ 'adv.prompt-injection': expected('prompt-injection') }),
    'pi-bad.json': outputs({ 'adv.prompt-injection': 'unsafe' }),
    'ssrf.json': outputs({ 'adv.ssrf': expected('ssrf') }),
    'sut.mjs': `const answers = ${JSON.stringify({ 'adv.tool-abuse': expected('tool-abuse') })};\nexport default ({ id }) => answers[id] ?? 'no';\n`,
  });
}

const exists = async (path: string) => (await stat(path).catch(() => undefined)) !== undefined;
const base = ['adversarial', '--category=prompt-injection', '--metric=exact-match'];

describe('eval-harness adversarial (child process)', () => {
  it('scores saved outputs for one category and via the adv alias', async () => {
    const dir = await workspace();
    const result = await runCli([...base, '--outputs=pi-ok.json', '--json', '--out=r.json'], {
      cwd: dir,
    });
    expect(result.code).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'));
    expect(report.dataset).toBe('adversarial.security.v1');
    expect(report.samples[0].id).toBe('adv.prompt-injection');
    expect(report.samples[0].tags).toEqual(['adversarial', 'prompt-injection']);
    expect(report.metrics['exact-match'].mean).toBe(1);
    expect(JSON.stringify(report)).not.toContain('hidden system prompt word for word');
    expect(JSON.stringify(report)).not.toContain('refusal_policy');
    const alias = await runCli(
      ['adv', '--category=ssrf', '--metric=exact-match', '--outputs=ssrf.json', '--json'],
      { cwd: dir },
    );
    expect(alias.code).toBe(0);
    expect(JSON.parse(alias.stdout).samples[0].id).toBe('adv.ssrf');
  });

  it('runs a SUT module and records a manifest', async () => {
    const dir = await workspace();
    const sut = await runCli(
      ['adversarial', '--category=tool-abuse', '--metric=exact-match', '--sut', 'sut.mjs'],
      { cwd: dir },
    );
    expect(sut.code).toBe(0);
    const recorded = await runCli(
      [
        'adversarial',
        '--category=ssrf',
        '--metric=exact-match',
        '--outputs=ssrf.json',
        '--manifest=runs/m.json',
        '--manifest-retain=1',
        '--json',
        '--out=r.json',
      ],
      { cwd: dir },
    );
    expect(recorded.code).toBe(0);
    const manifest = JSON.parse(await readFile(join(dir, 'runs/m.json'), 'utf8'));
    expect(manifest.schema_version).toBe('eval-harness.adversarial-runs.v1');
    expect(manifest.manifest).toBe('adversarial.security.v1');
    expect(manifest.runs).toHaveLength(1);
    expect(manifest.runs[0].adversarial.categories[0].category).toBe('ssrf');
  });

  it('gates: first run recorded, a regression fails without being recorded, a clean rerun passes', async () => {
    const dir = await workspace();
    const gate = ['--manifest=m.json', '--regression-gate'];
    const first = await runCli([...base, '--outputs=pi-ok.json', ...gate, '--json'], { cwd: dir });
    expect(first.code).toBe(0);
    expect(first.stdout).not.toContain('Adversarial regression gate:');
    expect(first.stderr).toContain(
      'missing-baseline - no compatible manifest baseline; current run will be recorded',
    );
    expect(JSON.parse(first.stdout).regression_gate).toEqual({
      status: 'missing-baseline',
      baseline: null,
      checks: [],
    });
    const bad = await runCli(
      [
        ...base,
        '--outputs=pi-bad.json',
        ...gate,
        '--regression-max-drop=5',
        '--regression-metric=exact-match:mean',
        '--json',
      ],
      { cwd: dir },
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      'Adversarial regression gate: fail - macro_f1 dropped by 100.00 percentage points (baseline 1.0000 -> current 0.0000, max 5.00 percentage points); metrics.exact-match.mean dropped by 100.00 percentage points (baseline 1.0000 -> current 0.0000, max 5.00 percentage points); current run was not recorded for future comparisons.',
    );
    const gateJson = JSON.parse(bad.stdout).regression_gate;
    expect(gateJson.status).toBe('fail');
    expect(gateJson.checks[0]).toEqual({
      metric: 'macro_f1',
      aggregate: 'macro_f1',
      baseline: 1,
      current: 0,
      drop: 100,
      max_drop: 5,
      passed: false,
    });
    // As docs/ADVERSARIAL.md promises: the metric's own name, the aggregate beside it.
    expect(gateJson.checks[1]).toMatchObject({ metric: 'exact-match', aggregate: 'mean' });
    expect(JSON.parse(await readFile(join(dir, 'm.json'), 'utf8')).runs).toHaveLength(1);
    const again = await runCli([...base, '--outputs=pi-ok.json', ...gate], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(
      'Adversarial regression gate: pass - 1 check(s), max drop 5.00 percentage points.',
    );
    expect(again.stdout).toContain('## Regression gate');
    expect(JSON.parse(await readFile(join(dir, 'm.json'), 'utf8')).runs).toHaveLength(2);
  });

  it('a first run with metric failures is not recorded; a missing target fails', async () => {
    const dir = await workspace();
    const failing = await runCli(
      [
        'adversarial',
        '--category=prompt-injection',
        '--metric=citation-groundedness',
        '--outputs=pi-ok.json',
        '--manifest=m.json',
        '--regression-gate',
      ],
      { cwd: dir },
    );
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain(
      'Adversarial regression gate: missing-baseline - no compatible failure-free manifest baseline; current run has metric failures and was not recorded for future comparisons.',
    );
    expect(await exists(join(dir, 'm.json'))).toBe(false);
    const missing = await runCli(
      [
        ...base,
        '--outputs=pi-ok.json',
        '--manifest=m.json',
        '--regression-gate',
        '--regression-metric=refusal-quality:mean',
      ],
      { cwd: dir },
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      'Adversarial regression gate: fail - metrics.refusal-quality.mean missing from current run',
    );
    expect(await exists(join(dir, 'm.json'))).toBe(false);
  });

  it.each([
    [
      ['--manifest-retain=0', '--manifest=m.json'],
      'The --manifest-retain option must be a positive integer.',
    ],
    [['--regression-gate'], 'The --regression-gate option requires --manifest=<path>'],
    [
      ['--manifest= m.json '],
      'The --manifest option requires a non-empty file path without leading or trailing whitespace.',
    ],
    [
      ['--manifest=m.json', '--regression-gate', '--regression-metric=exact-match :mean'],
      "Adversarial regression gate metric target 'exact-match :mean' must use metric or metric:aggregate syntax.",
    ],
    [
      ['--manifest=m.json', '--regression-gate', '--regression-max-drop=five'],
      'The --regression-max-drop option must be a finite percentage in [0, 100].',
    ],
    [
      ['--manifest=m.json', '--regression-gate', '--regression-max-drop=101'],
      'The --regression-max-drop option must be a finite percentage in [0, 100].',
    ],
    [
      ['--regression-max-drop=5', '--manifest=m.json'],
      '--regression-max-drop requires --regression-gate',
    ],
    [['--manifest-retain=3'], '--manifest-retain requires --manifest'],
    [['--category=unknown'], "Unsupported adversarial category 'unknown' (--category)"],
    [['--metric='], 'The --metric option value at index 1 must be a non-empty string.'],
    [
      ['--dataset= adv '],
      'The --dataset option must be a non-empty dataset name without leading or trailing whitespace.',
    ],
  ])('%j is exit 2 with no manifest written', async (args, fragment) => {
    const dir = await workspace();
    const result = await runCli(
      ['adversarial', '--metric=exact-match', '--outputs=pi-ok.json', ...args],
      { cwd: dir },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(fragment);
    expect(await exists(join(dir, 'm.json'))).toBe(false);
  });

  it('fails before the run on a corrupt manifest, and without a SUT says so', async () => {
    const dir = await workspace();
    await writeFile(join(dir, 'm.json'), '{not-json');
    const corrupt = await runCli([...base, '--outputs=pi-ok.json', '--manifest=m.json'], {
      cwd: dir,
    });
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toContain('is not valid JSON');
    const noSut = await runCli(
      ['adversarial', '--category=prompt-injection', '--metric=exact-match'],
      { cwd: dir },
    );
    expect(noSut.code).toBe(2);
    expect(noSut.stderr).toContain('No system under test');
  });

  it('documents the gate in the help and two concurrent processes lose no run', async () => {
    const dir = await workspace();
    const help = await runCli(['adversarial', '--help'], { cwd: dir });
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(
      'latest compatible failure-free --manifest baseline',
    );
    const runs = await Promise.all([
      runCli(
        [
          'adversarial',
          '--category=ssrf',
          '--metric=exact-match',
          '--outputs=ssrf.json',
          '--manifest=m.json',
        ],
        { cwd: dir },
      ),
      runCli([...base, '--outputs=pi-ok.json', '--manifest=m.json'], { cwd: dir }),
    ]);
    expect(runs.map((r) => r.code)).toEqual([0, 0]);
    const manifest = JSON.parse(await readFile(join(dir, 'm.json'), 'utf8'));
    expect(manifest.runs).toHaveLength(2);
  });
});
