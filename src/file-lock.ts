import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';
import { InfraError, errorMessage } from './errors.js';

export interface FileLockOptions {
  /** What the file is, for messages: "adversarial run manifest". */
  readonly what: string;
  /** How long to wait for another holder before giving up. @defaultValue 10000 */
  readonly waitMs?: number;
}

/**
 * Run `body` holding an exclusive cross-process lock on `path` (`<path>.lock`). The holder
 * refreshes the lock while it runs, and a lock left by a crashed process is broken after 10 s,
 * so a long run keeps it and a dead one does not block the next. The folder is created first.
 */
export async function withFileLock<T>(
  path: string,
  options: FileLockOptions,
  body: () => Promise<T>,
): Promise<T> {
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (error) {
    throw new InfraError(
      `Failed to create ${options.what} directory '${dirname(path)}': ${errorMessage(error)}.`,
    );
  }
  // Waits of 20-250 ms between tries, as many as fit in the wait.
  const retries = Math.max(1, Math.ceil((options.waitMs ?? 10_000) / 100));
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(path, {
      realpath: false,
      stale: 10_000,
      retries: { retries, minTimeout: 20, maxTimeout: 250 },
    });
  } catch (error) {
    throw new InfraError(`Failed to lock ${options.what} '${path}': ${errorMessage(error)}.`, {
      code: 'E_LOCKED',
      cause: error,
    });
  }
  try {
    return await body();
  } finally {
    // A lock that cannot be released (its file already gone) goes stale and is broken in 10 s.
    await release().catch(() => undefined);
  }
}
