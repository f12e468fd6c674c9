import { writeStarter } from '../../app/index.js';
import { EXIT_CODES } from '../../errors.js';
import type { CliIo } from '../io.js';

/**
 * `eval-harness init [--force]`: write a working starter into the current folder (see
 * `writeStarter`), say what was written, and end with the one command to run it.
 */
export async function initCommand(options: { force?: boolean }, io: CliIo): Promise<number> {
  const written = await writeStarter(io.cwd, options);
  for (const path of written.files) io.stderr.write(`Wrote ${path}\n`);
  if (written.gitignoreLine !== undefined)
    io.stderr.write(`Added ${written.gitignoreLine} to .gitignore\n`);
  io.stderr.write('Run it:\n');
  io.stdout.write('npx eval-harness run faq\n');
  return EXIT_CODES.ok;
}
