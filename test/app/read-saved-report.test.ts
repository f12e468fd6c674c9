// Reports read as a stream (large files) give what the whole-file reader gives, and the same
// one-line errors.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSavedReport } from '../../src/app/index.js';
import { EXIT_CODES, ReportFileError } from '../../src/errors.js';
import {
  compareReports,
  renderJsonReport,
  summarizeReport,
  type EvalReport,
} from '../../src/reports/index.js';
import { makeWorkspace } from '../helpers/cli.js';
import { failure, report, result } from '../helpers/reports.js';

const demo = report(
  [
    result(
      'a',
      { contains: 1, 'exact-match': { score: 1, details: { match: true } } },
      { tags: ['geo'] },
    ),
    result('b', { contains: 0, 'exact-match': 0 }, { thresholds: { contains: 0.2 } }),
    result('c', { contains: 0.5 }),
  ],
  [failure('c', 'exact-match', 'boom')],
);
const other = report([result('x', { contains: 1 })], [], 0, 1, 'other');
const changed = report([
  result('a', { contains: 0, 'exact-match': 1 }, { tags: ['geo'] }),
  result('b', { contains: 1, 'exact-match': 0 }, { thresholds: { contains: 0.2 } }),
  result('c', { contains: 0.5, 'exact-match': 1 }),
]);
const json = (r: EvalReport) => renderJsonReport(r, summarizeReport(r));

async function fileWith(text: string): Promise<string> {
  const path = join(await makeWorkspace({}), 'report.json');
  await writeFile(path, text);
  return path;
}

const streamed = (path: string, wholeRows = true) =>
  readSavedReport(path, 'report.json', { streamAbove: 0, wholeRows });

describe('reading a large report as a stream', () => {
  it('gives the same dataset report as reading the whole file, or only what a comparison reads', async () => {
    const path = await fileWith(json(demo));
    const whole = await readSavedReport(path, 'report.json');
    expect(await streamed(path)).toEqual(whole);
    const lean = await streamed(path, false);
    expect(lean.kind).toBe('dataset');
    if (lean.kind !== 'dataset' || whole.kind !== 'dataset') return;
    expect(lean.report.samples[0]).toEqual({
      id: 'a',
      tags: ['geo'],
      actual_output: '',
      scores: { contains: { score: 1 }, 'exact-match': { score: 1 } },
    });
    expect({ ...lean.report, samples: [] }).toEqual({ ...whole.report, samples: [] });
    expect(lean.report.samples.map((row) => row.pass_lines)).toEqual(
      whole.report.samples.map((row) => row.pass_lines),
    );
    // A comparison reads nothing the lean rows dropped.
    const headPath = await fileWith(json(changed));
    const compare = async (rows: boolean) =>
      compareReports(
        await streamed(path, rows),
        await readSavedReport(headPath, 'head.json', { streamAbove: 0, wholeRows: rows }),
        { baseSource: 'report.json', headSource: 'head.json' },
      );
    expect(await compare(false)).toEqual(await compare(true));
  });

  it('gives each dataset of an eval-set report its own rows', async () => {
    const text = JSON.stringify({
      schema_version: 'eval-harness.eval-set-run.v1',
      eval_set: 'nightly',
      reports: [JSON.parse(json(demo)), JSON.parse(json(other))],
    });
    const path = await fileWith(text);
    const read = await streamed(path);
    expect(read).toEqual(await readSavedReport(path, 'report.json'));
    expect(read.kind === 'eval-set' && read.reports.map((r) => r.samples.map((s) => s.id))).toEqual(
      [['a', 'b', 'c'], ['x']],
    );
  });

  it.each([
    ['not JSON', '{oops', /^report\.json is not JSON \(.+\); pass a report written with --json\.$/],
    [
      'cut short',
      json(demo).slice(0, 200),
      /^report\.json is not JSON \(the file ends before the report does\)/,
    ],
    ['JSON of something else', '{"name":"x"}', /^report\.json is not a report of eval-harness/],
    [
      'a sample row of the wrong shape',
      json(demo).replace('"actual_output": "out"', '"actual_output": 7'),
      /^report\.json: samples\.0\.actual_output: /,
    ],
  ])('rejects %s with one line naming the file, as bad input', async (_name, text, message) => {
    const error = await streamed(await fileWith(text)).catch((caught: unknown) => caught as Error);
    expect(error).toBeInstanceOf(ReportFileError);
    expect((error as ReportFileError).exitCode).toBe(EXIT_CODES.badInput);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});
