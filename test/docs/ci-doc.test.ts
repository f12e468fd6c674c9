// The commands of docs/CI.md, run as written (from the repository root, where the quickstart
// config resolves), with the `reports/` folder moved into a temporary folder.
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/cli.js';

const doc = readFileSync(`${REPO_ROOT}docs/CI.md`, 'utf8');

/** Every `npx eval-harness …` command in the page, continuation lines joined, as argv. */
const commands = [...doc.replace(/\\\n\s*/g, ' ').matchAll(/npx eval-harness ([^\n]+)/g)].map(
  (match) => (match[1] as string).trim().split(/\s+/),
);

describe('docs/CI.md', () => {
  it('runs every command on the page: the PR job twice (without, then with a baseline), compare, the GitLab job', async () => {
    expect(commands.map((argv) => argv[0])).toEqual(['run', 'compare', 'run']);
    const reports = await mkdtemp(join(tmpdir(), 'eval-harness-ci-doc-'));
    const argvOf = (argv: string[]) => argv.map((arg) => arg.replace(/^reports\//, `${reports}/`));
    const [pullRequest, compare, gitlab] = commands.map(argvOf) as [string[], string[], string[]];

    const first = await runCli(pullRequest, { cwd: REPO_ROOT });
    expect(first.stderr).toContain('--baseline-optional');
    expect(first.code).toBe(0);
    await mkdir(join(reports, 'main'));
    await cp(join(reports, 'report.json'), join(reports, 'main', 'report.json'));
    const second = await runCli(pullRequest, { cwd: REPO_ROOT });
    expect(second.code).toBe(0);
    expect(
      JSON.parse(await readFile(join(reports, 'report.json'), 'utf8')).comparison,
    ).toBeDefined();
    for (const file of ['junit.xml', 'report.html'])
      expect((await stat(join(reports, file))).isFile()).toBe(true);

    const compared = await runCli(compare, { cwd: REPO_ROOT });
    expect(compared.code).toBe(0);
    expect(compared.stdout).toContain('### Is the change real?');

    const gitlabRun = await runCli(gitlab, { cwd: REPO_ROOT });
    expect(gitlabRun.code).toBe(0);
    expect((await readFile(join(reports, 'report.csv'), 'utf8')).split('\r\n')[0]).toMatch(
      /^dataset,sample,status,/,
    );
  });
});
