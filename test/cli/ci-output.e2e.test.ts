// What a CI page shows, through the built CLI: GitHub's job summary and annotations, a CSV for
// spreadsheets, and the short flags people type.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli } from '../helpers/cli.js';

const DATASET = [
  'name: faq',
  'samples:',
  '  - { id: ok, input: { q: "1" }, expected_output: yes }',
  '  - { id: "wrong, really", input: { q: "2" }, expected_output: "=SUM(A1)" }',
  '  - { id: late, input: { q: "3" }, expected_output: yes }',
].join('\n');

async function workspace() {
  return makeWorkspace({
    'faq.yml': DATASET,
    'sut.mjs':
      "export default ({ id }) => (id === 'ok' ? 'yes' : id === 'late' ? 'yes' : 'no, \"really\"');\n",
  });
}

const base = ['run', 'faq.yml', '--sut', 'sut.mjs', '--metric', 'exact-match'];

describe('GitHub-native output', () => {
  it('appends a job summary and prints annotations under GITHUB_ACTIONS, gates first, the worst samples at their line', async () => {
    const dir = await workspace();
    await writeFile(join(dir, 'summary.md'), '# earlier step\n');
    const result = await runCli([...base, '--fail-under', 'exact-match=0.9', '--json'], {
      cwd: dir,
      env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(dir, 'summary.md') },
    });
    expect(result.code).toBe(1);
    // Stdout is still the JSON report alone.
    expect(JSON.parse(result.stdout).dataset).toBe('faq');
    const summary = await readFile(join(dir, 'summary.md'), 'utf8');
    expect(summary.startsWith('# earlier step\n## Eval report — faq\n')).toBe(true);
    expect(summary.indexOf('### Failed gates')).toBeLessThan(
      summary.indexOf('| metric | pass line'),
    );
    expect(summary).toContain('Samples below the pass line: 1, worst first:');
    const annotations = result.stderr.split('\n').filter((line) => line.startsWith('::'));
    expect(annotations).toEqual([
      '::error title=eval-harness gate::Score gate failed (faq): exact-match:mean is 0.6667, below --fail-under 0.9',
      '::warning file=faq.yml,line=4,title=faq%3A sample wrong%2C really::exact-match 0.00 < 0.5',
    ]);
    const quiet = await runCli([...base, '--no-annotations'], {
      cwd: dir,
      env: { GITHUB_ACTIONS: 'true' },
    });
    expect(quiet.stderr).not.toContain('::');
    const refused = await runCli([...base, '--annotations', 'gitlab'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("The --annotations option takes 'github'");
  });

  it('annotates a failed comparison gate from compare and puts the comparison in the summary', async () => {
    const dir = await workspace();
    await runCli([...base, '--json', '-o', 'main.json'], { cwd: dir });
    // The pull request's report: sample 'ok' now fails.
    const pr = JSON.parse(await readFile(join(dir, 'main.json'), 'utf8'));
    pr.samples[0].scores['exact-match'].score = 0;
    await writeFile(join(dir, 'pr.json'), JSON.stringify(pr));
    const gated = await runCli(['compare', 'main.json', 'pr.json', '--max-regressed', '0'], {
      cwd: dir,
      env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(dir, 's.md') },
    });
    expect(gated.code).toBe(1);
    expect(gated.stderr).toContain(
      '::error title=eval-harness gate::Comparison gate failed: 1 sample(s) crossed the pass line downwards, above --max-regressed 0 (rule: count)\n',
    );
    const summary = await readFile(join(dir, 's.md'), 'utf8');
    expect(summary.indexOf('### Failed gates')).toBeLessThan(
      summary.indexOf('Is the change real?'),
    );
  });
});

describe('CSV for spreadsheets', () => {
  it('writes one row per sample, quoted, and never lets a cell start a formula', async () => {
    const dir = await workspace();
    const result = await runCli([...base, '--csv', 'r.csv', '-o', 'r.md'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(await readFile(join(dir, 'r.csv'), 'utf8')).toBe(
      [
        'dataset,sample,status,exact-match,exact-match passed,error,expected,actual',
        'faq,ok,scored,1,yes,,yes,yes',
        `faq,"wrong, really",scored,0,no,,'=SUM(A1),"no, ""really"""`,
        'faq,late,scored,1,yes,,yes,yes',
        '',
      ].join('\r\n'),
    );
  });
});

describe('short flags and bare command groups', () => {
  it('-j 3 alone runs concurrently, -o writes the report, and bare `cache` exits 2 like bare eval-harness', async () => {
    const dir = await workspace();
    const result = await runCli([...base, '-j', '3', '-o', 'r.json', '--json', '--dry-run'], {
      cwd: dir,
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).batch).toMatchObject({ mode: 'concurrent', concurrency: 3 });
    const written = await runCli([...base, '-j', '3', '-o', 'r.json', '--json'], { cwd: dir });
    expect(written.code).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')).total_samples).toBe(3);
    expect((await runCli(['cache'], { cwd: dir })).code).toBe(2);
    expect((await runCli([], { cwd: dir })).code).toBe(2);
    expect((await runCli(['cache', '--help'], { cwd: dir })).code).toBe(0);
  });
});

describe('eval-harness init', () => {
  it('writes a starter that runs clean, refuses to overwrite it, and overwrites with --force', async () => {
    const dir = await makeWorkspace({ '.gitignore': 'node_modules/' });
    const init = await runCli(['init'], { cwd: dir });
    expect(init.code).toBe(0);
    expect(init.stdout).toBe('npx eval-harness run faq\n');
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe('node_modules/\n.eval-harness/\n');
    const config = await readFile(join(dir, 'eval-harness.config.mjs'), 'utf8');
    expect(config).toContain("/** @type {import('eval-harness').EvalHarnessConfig} */");
    // The command it prints, run as the binary: exit 0 with every sample scored and passing.
    const run = await runCli(['run', 'faq', '--json'], { cwd: dir });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect([report.status, report.total_samples, report.metrics.contains.pass_rate]).toEqual([
      'complete',
      3,
      1,
    ]);
    const again = await runCli(['init'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('eval-harness.config.mjs already exists');
    expect((await runCli(['init', '--force'], { cwd: dir })).code).toBe(0);
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe('node_modules/\n.eval-harness/\n');
  });
});

describe('errors a newcomer can act on', () => {
  it('says when no config was found and where it looked, and suggests the nearest dataset name', async () => {
    const empty = await makeWorkspace();
    const none = await runCli(['run', 'faq'], { cwd: empty });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(
      `error: No config file found in ${empty} (looked for eval-harness.config.{ts,mts,js,mjs,cjs,json,yaml,yml}), and 'faq' is not a dataset file. Run "eval-harness init" to write a starter here, pass -c <config>, or name a dataset file.\n`,
    );
    await runCli(['init'], { cwd: empty });
    const typo = await runCli(['run', 'fqa'], { cwd: empty });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("Dataset 'fqa' is not in");
    expect(typo.stderr).toContain("(did you mean 'faq'?)");
  });

  it('names the line and column of a syntax error in a SUT module, and the nearest metric name', async () => {
    const dir = await makeWorkspace({
      'faq.yml': DATASET,
      'sut.mjs': "export default () => {\n  return 'x' 'y';\n};\n",
    });
    const broken = await runCli(['run', 'faq.yml', '--sut', 'sut.mjs', '--metric', 'exact-match'], {
      cwd: dir,
    });
    expect(broken.code).toBe(3);
    expect(broken.stderr).toBe(
      `error: SUT module ${join(dir, 'sut.mjs')} failed to load: Unexpected string (line 2, column 14)\n`,
    );
    const typo = await runCli(['run', 'faq.yml', '--sut', 'sut.mjs', '--metric', 'rouge_l'], {
      cwd: dir,
    });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(
      "Metric 'rouge_l' does not exist: it is neither built in nor registered (did you mean 'rouge-l'?).",
    );
  });

  it('names the key that is nearly a missing sample field', async () => {
    const dir = await makeWorkspace({
      'd.yml': 'name: d\nsamples:\n  - { id: a, input: {}, expected_outptu: x }\n',
    });
    const result = await runCli(
      ['run', 'd.yml', '--outputs', 'none.json', '--metric', 'exact-match'],
      {
        cwd: dir,
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "Sample 'a' (index 0) missing required field 'expected_output': it has 'expected_outptu' (did you mean 'expected_output'?).",
    );
  });
});

describe('a SUT per dataset', () => {
  it('runs each dataset with its own SUT and call policy, the top-level SUT for the rest', async () => {
    const yml = (name: string) =>
      `name: ${name}\nsamples:\n  - { id: q1, input: {}, expected_output: ${name} }\n`;
    const dir = await makeWorkspace({
      'retriever.yml': yml('retriever'),
      'agent.yml': yml('agent'),
      'chat.yml': yml('chat'),
      'retriever.mjs': "export default () => 'retriever';\n",
      'agent.mjs': 'export default () => new Promise(() => setInterval(() => undefined, 1000));\n',
      'chat.mjs': "export default () => 'chat';\n",
      'eval-harness.config.json': JSON.stringify({
        datasets: {
          retriever: {
            path: 'retriever.yml',
            metrics: ['exact-match'],
            sut: { type: 'module', path: './retriever.mjs' },
          },
          agent: {
            path: 'agent.yml',
            metrics: ['exact-match'],
            sut: { type: 'module', path: './agent.mjs', timeoutSeconds: 1 },
          },
          chat: { path: 'chat.yml', metrics: ['exact-match'] },
        },
        sut: { type: 'module', path: './chat.mjs' },
        evalSets: { all: ['retriever', 'chat', 'agent'] },
      }),
    });
    const set = await runCli(['run', '--eval-set', 'all', '--json'], { cwd: dir });
    // The agent's own SUT never answers; its own one-second timeout ends the set there.
    expect(set.code).toBe(3);
    const reports = JSON.parse(set.stdout).reports as {
      dataset: string;
      metrics: Record<string, { mean: number }>;
      sample_errors: { error: string }[];
    }[];
    // Nothing of the agent's was scored, so it has no aggregate at all.
    expect(reports.map((r) => [r.dataset, r.metrics['exact-match']?.mean ?? null])).toEqual([
      ['retriever', 1],
      ['chat', 1],
      ['agent', null],
    ]);
    expect(reports[2]?.sample_errors[0]?.error).toContain('timed out after 1 second');
  });
});
