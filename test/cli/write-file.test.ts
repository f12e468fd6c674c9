import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomically } from '../../src/atomic-write.js';
import { writeChunks } from '../../src/cli/write-file.js';
import { InfraError } from '../../src/errors.js';
import { buildReportJson, renderJsonReport, summarizeReport } from '../../src/reports/index.js';
import { makeWorkspace } from '../helpers/cli.js';
import { failure, report, result } from '../helpers/reports.js';

describe('writeFileAtomically', () => {
  it('writes chunks, creates folders and leaves no temporary file', async () => {
    const dir = await makeWorkspace();
    const bytes = await writeFileAtomically(
      join(dir, 'a/b/report.json'),
      ['{"é":', '1}'],
      'report',
    );
    expect(await readFile(join(dir, 'a/b/report.json'), 'utf8')).toBe('{"é":1}');
    expect(bytes).toBe(8);
    expect(await readdir(join(dir, 'a/b'))).toEqual(['report.json']);
  });

  it('keeps the earlier file when producing the content fails', async () => {
    const dir = await makeWorkspace();
    const path = join(dir, 'report.json');
    await writeFile(path, 'previous');
    function* failing(): Iterable<string> {
      yield 'partial';
      throw new Error('render failed');
    }
    await expect(writeFileAtomically(path, failing(), 'report')).rejects.toThrow(InfraError);
    expect(await readFile(path, 'utf8')).toBe('previous');
    expect(await readdir(dir)).toEqual(['report.json']);
  });

  it('names the path when the folder cannot be created', async () => {
    const dir = await makeWorkspace({ file: 'x' });
    await expect(
      writeFileAtomically(join(dir, 'file/report.json'), ['x'], 'report'),
    ).rejects.toThrow(`Failed to write report to ${join(dir, 'file/report.json')}`);
  });
});

describe('writeChunks', () => {
  it('waits for drain when the stream asks it to', async () => {
    const written: string[] = [];
    let drains = 0;
    const stream = {
      write: (chunk: string) => {
        written.push(chunk);
        return false;
      },
      once: (_event: 'drain', listener: () => void) => {
        drains++;
        setImmediate(listener);
      },
    };
    await writeChunks(stream, ['a', 'b']);
    expect(written.join('')).toBe('ab');
    expect(drains).toBe(1);
  });
});

describe('streamed JSON rendering', () => {
  it('equals JSON.stringify of the whole report, with and without samples', () => {
    const withSamples = report(
      [
        result(
          's1',
          { m: { score: 1, details: { nested: { list: [1, 'two'] } } } },
          { tags: ['t'] },
        ),
        result('s2', { m: 0 }),
      ],
      [failure('s2', 'm2', 'boom')],
    );
    for (const r of [withSamples, report([])]) {
      const summary = summarizeReport(r);
      expect(renderJsonReport(r, summary)).toBe(
        JSON.stringify(buildReportJson(r, summary), null, 4),
      );
    }
  });
});
