// The README's tutorial, run as written against the packed package in an empty folder, as a
// newcomer would (npm init, install the package file, init, run); then, in the project it made,
// every command of docs/CI.md.
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import { TARBALL, emptyFolderWithPackedPackage, shell as run } from '../helpers/packed-package.js';

const readme = readFileSync(`${REPO_ROOT}README.md`, 'utf8');
const block = /<!-- tutorial -->\n```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
const commands = block.split('\n').filter((line) => line.trim() !== '');
const ciDoc = readFileSync(`${REPO_ROOT}docs/CI.md`, 'utf8');
/** Every `npx eval-harness …` command of docs/CI.md, continuation lines joined. */
const ciCommands = [...ciDoc.replace(/\\\n\s*/g, ' ').matchAll(/npx eval-harness [^\n]+/g)].map(
  (match) => match[0].trim(),
);

describe("the README's tutorial and docs/CI.md", () => {
  it('run every command as written against the packed package in an empty folder', async () => {
    expect(commands[1]).toBe(`npm install --save-dev ./${TARBALL}`);
    const project = await emptyFolderWithPackedPackage('eval-harness-tutorial-');
    const shell = (command: string) => run(command, project);
    for (const command of commands) {
      const ran = shell(command);
      expect(ran.status, `${command}\n${ran.stdout}\n${ran.stderr}`).toBe(0);
    }
    const report = JSON.parse(await readFile(join(project, 'reports', 'faq.json'), 'utf8'));
    expect([report.dataset, report.status, report.total_samples]).toEqual(['faq', 'complete', 3]);
    expect(await readFile(join(project, 'reports', 'junit.xml'), 'utf8')).toContain(
      '<testsuite name="faq" tests="3"',
    );

    // docs/CI.md: the pull-request job (first with no baseline, then with main's report), the
    // comparison, the GitLab job.
    expect(ciCommands.map((command) => command.split(' ')[2])).toEqual(['run', 'compare', 'run']);
    const [pullRequest, compare, gitlab] = ciCommands as [string, string, string];
    const first = shell(pullRequest);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toContain('--baseline-optional');
    await mkdir(join(project, 'reports', 'main'));
    await copyFile(
      join(project, 'reports', 'report.json'),
      join(project, 'reports', 'main', 'report.json'),
    );
    const second = shell(pullRequest);
    expect(second.status, second.stderr).toBe(0);
    const compared = JSON.parse(await readFile(join(project, 'reports', 'report.json'), 'utf8'));
    expect(compared.comparison).toBeDefined();
    const comparison = shell(compare);
    expect(comparison.status, comparison.stderr).toBe(0);
    expect(comparison.stdout).toContain('### Is the change real?');
    const gitlabRun = shell(gitlab);
    expect(gitlabRun.status, gitlabRun.stderr).toBe(0);
    const csv = await readFile(join(project, 'reports', 'report.csv'), 'utf8');
    expect(csv.split('\r\n')[0]).toMatch(/^dataset,sample,status,/);
  }, 240_000);
});
