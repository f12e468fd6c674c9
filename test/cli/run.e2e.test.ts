import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEMO_DATASET,
  REPO_ROOT,
  expectOneLineError,
  makeWorkspace,
  runCli,
} from '../helpers/cli.js';

const SUT = `export default (invocation) => ({ s1: 'Paris', s2: 'Milan' })[invocation.id];\n`;
const CONFIG = `export default {
  datasets: { geo: { path: 'golden/demo.yml', metrics: ['exact-match', 'contains'] } },
  sut: { type: 'module', path: './sut.mjs' },
};
`;

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

describe('eval-harness run (child process)', () => {
  it('runs a config dataset through a module SUT and prints Markdown', async () => {
    const dir = await makeWorkspace({
      'eval-harness.config.mjs': CONFIG,
      'golden/demo.yml': DEMO_DATASET.replace('name: demo', 'name: geo'),
      'sut.mjs': SUT,
    });
    const result = await runCli(['run', 'geo'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^# Eval report — geo\n/);
    expect(result.stdout).toContain('| exact-match | >= 0.5 | 0.5000 | 0.5000 | 0.9500 | 0.5000 |');
    expect(result.stdout).toContain('| contains | >= 0.5 | 0.5000 |');
  });

  it('scores saved outputs from a dataset file without config or SUT', async () => {
    const dir = await makeWorkspace({
      'ds.yml': DEMO_DATASET,
      'outputs.json': '{"outputs":{"s1":"Paris","s2":"Rome"}}',
    });
    const result = await runCli(
      [
        'run',
        'ds.yml',
        '--metric',
        'exact-match',
        '--outputs',
        'outputs.json',
        '--json',
        '--out',
        'reports/nested/r.json',
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Wrote \d+ bytes to .*r\.json\n$/);
    const text = await readFile(join(dir, 'reports/nested/r.json'), 'utf8');
    expect(text.endsWith('}')).toBe(true);
    const report = JSON.parse(text);
    expect(report.schema_version).toBe('eval-harness.report.v1');
    expect(report.dataset_schema_version).toBe('eval-harness.dataset.v1');
    expect(report.dataset).toBe('demo');
    expect(report.samples[0].actual_output).toBe('Paris');
    expect(report.metrics['exact-match'].mean).toBe(1);
  });

  it('warns when the --out name says one format and the flags pick the other', async () => {
    const dir = await makeWorkspace({
      'ds.yml': DEMO_DATASET,
      'outputs.json': '{"outputs":{"s1":"Paris","s2":"Rome"}}',
    });
    const base = ['run', 'ds.yml', '--metric', 'exact-match', '--outputs', 'outputs.json'];
    const markdown = await runCli([...base, '--out', 'report.JSON'], { cwd: dir });
    expect(markdown.code).toBe(0);
    expect(markdown.stderr).toContain(
      'warning: --out report.JSON ends in .json, but the report will be Markdown; add --json to write JSON.',
    );
    expect(await readFile(join(dir, 'report.JSON'), 'utf8')).toMatch(/^# Eval report/);
    const json = await runCli([...base, '--json', '--out', 'report.md'], { cwd: dir });
    expect(json.code).toBe(0);
    expect(json.stderr).toContain(
      'warning: --out report.md is named as Markdown, but --json writes a JSON report; drop --json to write Markdown.',
    );
    expect(JSON.parse(await readFile(join(dir, 'report.md'), 'utf8')).dataset).toBe('demo');
  });

  it('prints pure JSON on stdout with --json', async () => {
    const dir = await makeWorkspace({
      'ds.yml': DEMO_DATASET,
      'o.yaml': 'outputs:\n  s1: Paris\n  s2: Milan\n',
    });
    const result = await runCli(
      [
        'run',
        'ds.yml',
        '--metric',
        'exact-match',
        '--metric',
        'rouge-l',
        '--outputs',
        'o.yaml',
        '--json',
      ],
      { cwd: dir },
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report.metrics)).toEqual(['exact-match', 'rouge-l']);
    expect(result.stdout.endsWith('}\n')).toBe(true);
  });

  it('uses the dataset file metrics list when no other metrics are named', async () => {
    const dir = await makeWorkspace({
      'ds.yml': `metrics: [contains]\n${DEMO_DATASET}`,
      'o.json': '{"outputs":{"s1":"Paris!","s2":"Rome!"}}',
    });
    const result = await runCli(['run', 'ds.yml', '--outputs', 'o.json', '--json'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).metrics.contains.mean).toBe(1);
  });

  it('writes JUnit XML and exits 1 when metric failures were captured', async () => {
    const dir = await makeWorkspace({
      'ds.yml': DEMO_DATASET,
      'o.json': '{"outputs":{"s1":"Paris","s2":"Milan"}}',
    });
    const result = await runCli(
      [
        'run',
        'ds.yml',
        '--metric',
        'exact-match',
        '--metric',
        'citation-groundedness',
        '--outputs',
        'o.json',
        '--junit',
        'out/junit.xml',
      ],
      {
        cwd: dir,
      },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('## Failures');
    expect(result.stderr).toContain('2 metric failure(s) captured');
    const xml = await readFile(join(dir, 'out/junit.xml'), 'utf8');
    // A metric that could not score is an <error>, one per test case.
    expect(xml).toContain('tests="2" failures="0" errors="2"');
    expect(xml).toContain('<error type="metric-error"');
  });

  it('gates on --fail-under and appends gates to the JSON report', async () => {
    const dir = await makeWorkspace({
      'ds.yml': DEMO_DATASET,
      'o.json': '{"outputs":{"s1":"Paris","s2":"Milan"}}',
    });
    const args = ['run', 'ds.yml', '--metric', 'exact-match', '--outputs', 'o.json', '--json'];
    const failing = await runCli(
      [...args, '--fail-under', 'exact-match=0.6', '--fail-under', 'macro_f1=0.4'],
      { cwd: dir },
    );
    expect(failing.code).toBe(1);
    const report = JSON.parse(failing.stdout);
    expect(Object.keys(report).at(-1)).toBe('gates');
    expect(report.gates).toEqual([
      { metric: 'exact-match', aggregate: 'mean', threshold: 0.6, actual: 0.5, passed: false },
      { metric: 'macro_f1', aggregate: 'macro_f1', threshold: 0.4, actual: 0.5, passed: true },
    ]);
    expect(failing.stderr).toContain(
      'Score gate failed (demo): exact-match:mean is 0.5000, below --fail-under 0.6',
    );
    const passing = await runCli([...args, '--fail-under', 'exact-match:pass_rate=0.5'], {
      cwd: dir,
    });
    expect(passing.code).toBe(0);
    expectOneLineError(
      await runCli([...args, '--fail-under', 'rouge-l=0.5'], { cwd: dir }),
      2,
      "--fail-under names metric 'rouge-l'",
    );
    expectOneLineError(
      await runCli([...args, '--fail-under', 'exact-match:median=0.5'], { cwd: dir }),
      2,
      "unsupported aggregate 'median'",
    );
  });

  it('loads custom metrics declared in the config', async () => {
    const dir = await makeWorkspace({
      'eval-harness.config.json': JSON.stringify({
        datasets: { demo: { path: 'ds.yml', metrics: ['shouty'] } },
        metrics: { shouty: { path: './shouty.mjs', export: 'createShouty' } },
      }),
      'ds.yml': DEMO_DATASET,
      'shouty.mjs': `export function createShouty() { return { name: 'shouty', score: (sample, actual) => ({ score: actual === actual.toUpperCase() ? 1 : 0, details: {} }) }; }\n`,
      'o.json': '{"outputs":{"s1":"PARIS","s2":"rome"}}',
    });
    const result = await runCli(['run', 'demo', '--outputs', 'o.json', '--json'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).metrics.shouty.mean).toBe(0.5);
  });

  it('runs the shipped quickstart example (npm run demo)', async () => {
    const result = await runCli(
      ['run', 'quickstart', '-c', 'examples/quickstart/eval-harness.config.ts'],
      { cwd: REPO_ROOT },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('# Eval report — quickstart');
    expect(result.stdout).toContain('over 12 samples (0 failures captured)');
  });

  it('prints version and help', async () => {
    const version = await runCli(['--version'], { cwd: REPO_ROOT });
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const help = await runCli(['run', '--help'], { cwd: REPO_ROOT });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--fail-under <gate>');
  });
});

describe('eval-harness run: bad input as a new user tries it', () => {
  it('unknown dataset', async () => {
    const dir = await makeWorkspace({
      'eval-harness.config.json': '{"datasets": {"geo": {"path": "x.yml"}}}',
    });
    expectOneLineError(
      await runCli(['run', 'no.such.dataset'], { cwd: dir }),
      2,
      "Dataset 'no.such.dataset' is not registered",
    );
    expect((await runCli(['run', 'no.such.dataset'], { cwd: dir })).stderr).toContain(
      'Datasets in',
    );
  });

  it.each([
    ['malformed YAML', 'name: [oops\n', 'not valid YAML'],
    [
      'duplicate ids',
      'name: d\nsamples:\n  - { id: a, input: {}, expected_output: x }\n  - { id: a, input: {}, expected_output: y }\n',
      "Duplicate sample id 'a' at index 1",
    ],
  ])('%s: one line naming the file', async (_label, yaml, fragment) => {
    const dir = await makeWorkspace({ 'ds.yml': yaml, 'o.json': '{"outputs":{"a":"x"}}' });
    const result = await runCli(
      ['run', 'ds.yml', '--metric', 'exact-match', '--outputs', 'o.json'],
      { cwd: dir },
    );
    expectOneLineError(result, 2, fragment);
    expect(result.stderr).toMatch(new RegExp(`^error: ${join(dir, 'ds.yml')}: `));
  });

  it('missing dataset file, unknown metric, unknown config key', async () => {
    const dir = await makeWorkspace({
      'ds.yml': DEMO_DATASET,
      'bad/eval-harness.config.json': '{"datsets": {}}',
    });
    expectOneLineError(
      await runCli(['run', 'missing.yml', '--metric', 'exact-match'], { cwd: dir }),
      2,
      'Dataset YAML file is missing or unreadable',
    );
    expectOneLineError(
      await runCli(['run', 'ds.yml', '--metric', 'exact-mtch', '--sut', 'x.mjs'], { cwd: dir }),
      2,
      "Metric 'exact-mtch' does not exist",
    );
    expectOneLineError(
      await runCli(['run', 'ds.yml', '-c', 'bad/eval-harness.config.json'], { cwd: dir }),
      2,
      'unknown key "datsets" (did you mean "datasets"?)',
    );
    expectOneLineError(
      await runCli(['run', 'ds.yml'], { cwd: dir }),
      2,
      "Dataset 'demo' has no metrics",
    );
    expectOneLineError(
      await runCli(['run', 'ds.yml', '--metric', 'exact-match'], { cwd: dir }),
      2,
      'No system under test',
    );
    expectOneLineError(
      await runCli(['run', 'ds.yml', '--bogus'], { cwd: dir }),
      2,
      "unknown option '--bogus'",
    );
    expectOneLineError(
      await runCli(['run', 'ds.yml', '--metrc', 'exact-match'], { cwd: dir }),
      2,
      "unknown option '--metrc' (did you mean --metric?)",
    );
  });

  it('outputs files with missing ids, invalid JSON or an empty path', async () => {
    const dir = await makeWorkspace({
      'ds.yml': DEMO_DATASET,
      'partial.json': '{"outputs":{"s1":"Paris"}}',
      'x.json': '{not-json',
    });
    const base = ['run', 'ds.yml', '--metric', 'exact-match', '--out', 'r.md'];
    expectOneLineError(
      await runCli([...base, '--outputs', 'partial.json'], { cwd: dir }),
      2,
      'missing sample ids: s2',
    );
    expectOneLineError(
      await runCli([...base, '--outputs', 'x.json'], { cwd: dir }),
      2,
      'contains invalid JSON',
    );
    expectOneLineError(
      await runCli([...base, '--outputs', ''], { cwd: dir }),
      2,
      'The --outputs option requires a non-empty file path.',
    );
    expect(await exists(join(dir, 'r.md'))).toBe(false);
  });

  it('a SUT returning a number or throwing exits 3 with a report naming the errored sample', async () => {
    const dir = await makeWorkspace({
      'ds.yml': DEMO_DATASET,
      'number.mjs': 'export default () => 42;\n',
      'throws.mjs':
        'export default (inv) => { if (inv.id === "s2") throw new Error("model offline"); return "Paris"; };\n',
      'named.mjs': 'export const answer = () => "x";\n',
    });
    const base = ['run', 'ds.yml', '--metric', 'exact-match', '--out', 'r.json', '--json'];
    const errored = async (sut: string, message: string, scored: string[]) => {
      const result = await runCli([...base, '--sut', sut], { cwd: dir });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`demo: sample error: ${message}\n`);
      expect(result.stderr).toMatch(/^error: demo: Run stopped on an error: /m);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      const report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'));
      expect(report.samples.map((s: { id: string }) => s.id)).toEqual(scored);
      expect(report.sample_errors).toEqual([
        { id: message.match(/sample '(s\d)'/)?.[1], error: message, attempts: 1 },
      ]);
      await rm(join(dir, 'r.json'));
    };
    await errored(
      'number.mjs',
      "System-under-test for sample 's1' must return a string or an object { output, retrieved?, trajectory?, usage? }; got a number (42).",
      [],
    );
    await errored('throws.mjs', "System-under-test failed for sample 's2': model offline", ['s1']);
    expectOneLineError(
      await runCli([...base, '--sut', 'named.mjs'], { cwd: dir }),
      2,
      "must export a function named 'default'",
    );
    expectOneLineError(
      await runCli([...base, '--sut', 'missing.mjs'], { cwd: dir }),
      2,
      'SUT module not found',
    );
    expect(await exists(join(dir, 'r.json'))).toBe(false);
  });

  it('shows the stack trace only with --debug', async () => {
    const dir = await makeWorkspace({
      'ds.yml': DEMO_DATASET,
      'throws.mjs': 'export default () => { throw new Error("boom"); };\n',
    });
    const result = await runCli(
      ['run', 'ds.yml', '--metric', 'exact-match', '--sut', 'throws.mjs', '--debug'],
      { cwd: dir },
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('Caused by:');
    expect(result.stderr).toMatch(/\n\s+at /);
  });

  it('an output that cannot be encoded leaves the earlier report file untouched', async () => {
    const dir = await makeWorkspace({
      'ds.yml': DEMO_DATASET,
      'bad.mjs': 'export default () => "ok\\uD800";\n',
    });
    await writeFile(join(dir, 'r.json'), '');
    const result = await runCli(
      ['run', 'ds.yml', '--metric', 'contains', '--sut', 'bad.mjs', '--json', '--out', 'r.json'],
      { cwd: dir },
    );
    expectOneLineError(result, 3, 'Failed to encode report as JSON');
    expect(await readFile(join(dir, 'r.json'), 'utf8')).toBe('');
  });
});
