import { clearCache } from '../../response-cache.js';
import { cacheDirOf } from '../run-flags.js';
import type { CliIo } from '../io.js';
import { EXIT_CODES } from '../../errors.js';

/** `eval-harness cache clear [--cache-dir <path>]`: delete every cached response. */
export async function cacheClearCommand(
  options: { cacheDir?: string },
  io: CliIo,
): Promise<number> {
  const dir = cacheDirOf(options.cacheDir, io);
  const removed = await clearCache(dir);
  io.stderr.write(`Removed ${removed} cached response(s) from ${dir}.\n`);
  return EXIT_CODES.ok;
}
