import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';

/**
 * What is at a path, or undefined when nothing can be seen there (missing, or not readable by
 * this process). Callers answer undefined with their own "not found" message naming the path,
 * which is what a user can act on; a manifest, which must never be read as absent by mistake,
 * checks its file with the stricter rule of manifest-file.ts instead.
 */
export async function pathInfo(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}
