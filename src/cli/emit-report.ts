import { resolve } from 'node:path';
import {
  renderCsvReport,
  renderJunitReports,
  type EvalReport,
  type ReportSummary,
} from '../reports/index.js';
import type { CliIo } from './io.js';
import { writeFileAtomically } from '../atomic-write.js';
import { writeChunks } from './write-file.js';

export async function writeJunit(
  reports: readonly EvalReport[],
  junitPath: string,
  io: CliIo,
): Promise<void> {
  const path = resolve(io.cwd, junitPath);
  const bytes = await writeFileAtomically(path, [renderJunitReports(reports)], 'JUnit report');
  io.stderr.write(`Wrote ${bytes} bytes of JUnit XML to ${path}\n`);
}

export async function writeCsv(
  reports: readonly { readonly report: EvalReport; readonly summary: ReportSummary }[],
  csvPath: string,
  io: CliIo,
): Promise<void> {
  const path = resolve(io.cwd, csvPath);
  const bytes = await writeFileAtomically(path, [renderCsvReport(reports)], 'CSV report');
  io.stderr.write(`Wrote ${bytes} bytes of CSV to ${path}\n`);
}

/**
 * Report to `--out` or stdout. If the file cannot be written, the report still goes to stdout
 * before the error is raised, so a long run's results are never lost.
 */
export async function emitReport(
  render: () => Iterable<string>,
  options: { readonly out?: string | undefined },
  io: CliIo,
): Promise<void> {
  if (options.out === undefined) {
    await writeChunks(io.stdout, withNewline(render()));
    return;
  }
  const path = resolve(io.cwd, options.out);
  try {
    const bytes = await writeFileAtomically(path, render(), 'report');
    io.stderr.write(`Wrote ${bytes} bytes to ${path}\n`);
  } catch (error) {
    await writeChunks(io.stdout, withNewline(render()));
    throw error;
  }
}

/** On stdout the report is followed by a newline; files hold the payload alone. */
function* withNewline(chunks: Iterable<string>): Iterable<string> {
  yield* chunks;
  yield '\n';
}
