import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  executeRun,
  openRun,
  renderRunReport,
  writeReportFiles,
  type RunRequest,
  type WrittenFile,
} from '../../src/app/index.js';
import { makeWorkspace } from '../helpers/cli.js';

async function project(sut = "export default async ({ input }) => 'answer ' + input.n;\n") {
  return makeWorkspace({
    'qa.yml': [
      'name: qa',
      'samples:',
      '  - { id: q1, input: { n: 1 }, expected_output: "answer 1" }',
      '  - { id: q2, input: { n: 2 }, expected_output: "answer 2" }',
    ].join('\n'),
    'sut.mjs': sut,
    'eval-harness.config.json': JSON.stringify({
      datasets: { qa: { path: 'qa.yml', metrics: ['exact-match'], repeat: 2 } },
      evalSets: { release: ['qa'] },
      sut: { type: 'module', path: './sut.mjs' },
      batches: { profiles: { capped: { mode: 'concurrent', concurrency: 2, maxCostUsd: 4 } } },
    }),
  });
}

const requestIn = (cwd: string, fields: Partial<RunRequest> = {}): RunRequest => ({
  cwd,
  env: {},
  target: { kind: 'dataset', dataset: 'qa' },
  cache: false,
  ...fields,
});

describe('the run use case: openRun, executeRun, renderRunReport, writeReportFiles', () => {
  it('refuses what no run can honour before reading anything, with exit 2', async () => {
    const nowhere = '/nonexistent/eval-harness';
    await expect(
      openRun(
        requestIn(nowhere, { target: { kind: 'eval-set', evalSet: 'x' }, resumePath: 'r.json' }),
      ),
    ).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('--resume') });
    await expect(
      openRun(requestIn(nowhere, { target: { kind: 'eval-set', evalSet: 'x' }, outputsPath: 'o' })),
    ).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('--outputs') });
    await expect(openRun(requestIn(nowhere, { metrics: [' '] }))).rejects.toMatchObject({
      exitCode: 2,
      message: 'The --metric option value at index 0 must be a non-empty string.',
    });
  });

  it("opens with the CLI's rules: the config dataset's repeat and the profile's budget", async () => {
    const cwd = await project(
      'export default () => { throw new Error("called while opening"); };\n',
    );
    const opened = await openRun(requestIn(cwd, { batchFlags: { 'batch-profile': 'capped' } }));
    expect(opened.datasets.map((entry) => [entry.dataset.name, entry.repeat])).toEqual([['qa', 2]]);
    expect([opened.plan.maxCostUsd, opened.plan.batch.options.mode]).toEqual([4, 'concurrent']);
    expect(opened.warnings).toEqual([]);
  });

  it('runs a dataset, renders its report and writes the files it was asked for, in order', async () => {
    const cwd = await project();
    const result = await executeRun(await openRun(requestIn(cwd)));
    expect([result.kind, result.title, result.outcomes.length]).toEqual([
      'dataset',
      'Eval report — qa',
      1,
    ]);
    const json = JSON.parse([...renderRunReport(result, { json: true })].join(''));
    expect([json.dataset, json.status, json.total_samples]).toEqual(['qa', 'complete', 2]);
    const written: WrittenFile['what'][] = [];
    await writeReportFiles(
      result,
      { junit: 'out/junit.xml', csv: 'out/report.csv', html: 'out/page.html' },
      cwd,
      (file) => written.push(file.what),
    );
    expect(written).toEqual(['JUnit XML', 'CSV', 'HTML']);
    expect(await readFile(join(cwd, 'out', 'junit.xml'), 'utf8')).toContain(
      '<testsuite name="qa" tests="2"',
    );
  });

  it('runs an eval set through its manifest and says where it stopped', async () => {
    const cwd = await project();
    const request = requestIn(cwd, {
      target: { kind: 'eval-set', evalSet: 'release', manifestPath: 'set.json' },
    });
    const result = await executeRun(await openRun(request));
    expect([result.kind, result.evalSet?.stoppedBy, result.outcomes.length]).toEqual([
      'eval-set',
      null,
      1,
    ]);
    const manifest = JSON.parse(await readFile(join(cwd, 'set.json'), 'utf8'));
    expect(manifest.datasets.map((entry: { status: string }) => entry.status)).toEqual([
      'completed',
    ]);
    expect([...renderRunReport(result, { json: false })].join('')).toContain(
      '# Eval set report — release',
    );
  });
});
