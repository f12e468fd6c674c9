import { resolve } from 'node:path';
import type { CliIo } from './io.js';
import { writeFileAtomically } from '../atomic-write.js';
import { writeChunks } from './write-file.js';

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
