import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InfraError, errorMessage } from './errors.js';

/** Chunks are gathered into writes of about this size: few syscalls, flat memory. */
export const WRITE_BATCH_CHARS = 1 << 20;

/**
 * Write a file atomically from text chunks: a temporary file in the same folder, fsync, then
 * rename over the target. A reader never sees half a report, a failure leaves any earlier file
 * untouched, and a 100 MB report is never held in memory as one string. Parent folders are
 * created. Returns the UTF-8 byte count.
 *
 * Written here rather than with write-file-atomic because that library takes one buffer only.
 */
export async function writeFileAtomically(
  path: string,
  chunks: Iterable<string>,
  what: string,
): Promise<number> {
  const temporary = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  let bytes = 0;
  try {
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(temporary, 'wx');
    try {
      let pending = '';
      for (const chunk of chunks) {
        pending += chunk;
        if (pending.length >= WRITE_BATCH_CHARS) {
          bytes += (await handle.write(pending, null, 'utf8')).bytesWritten;
          pending = '';
        }
      }
      if (pending !== '') bytes += (await handle.write(pending, null, 'utf8')).bytesWritten;
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    if (error instanceof InfraError) throw error;
    throw new InfraError(`Failed to write ${what} to ${path}: ${errorMessage(error)}`, {
      code: 'E_WRITE',
      cause: error,
    });
  }
  return bytes;
}
