import { readFile, stat } from 'node:fs/promises';
import { writeFileAtomically } from './atomic-write.js';
import { InfraError, InputError, ManifestError, errorMessage } from './errors.js';
import { withFileLock } from './file-lock.js';

/** One kind of manifest file (eval-set progress, adversarial run history). */
export interface ManifestFormat<T> {
  /** How messages name the file, e.g. `Eval set manifest`. */
  readonly title: string;
  /** JSON indentation of the written file. */
  readonly indent: number;
  /**
   * Check parsed JSON. Throws an InputError saying what is wrong, without naming the file: the
   * caller adds the file, so every manifest names it the same way.
   */
  readonly fromJson: (json: unknown) => T;
  readonly toJson: (manifest: T) => unknown;
}

/**
 * A manifest from its file's text. Invalid JSON or content is a ManifestError naming the file
 * (`<title> '<path>': …`); any other error is a bug and passes through.
 */
export function parseManifestText<T>(format: ManifestFormat<T>, text: string, path: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(
      `${format.title} '${path}' is not valid JSON: ${errorMessage(error)}. Fix or delete it.`,
      { cause: error },
    );
  }
  try {
    return format.fromJson(json);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    // Shared validators may already start with the title; it is said once.
    const problem = error.message.startsWith(`${format.title} `)
      ? error.message.slice(format.title.length + 1)
      : error.message;
    throw new ManifestError(`${format.title} '${path}': ${problem}`, { cause: error });
  }
}

/**
 * Read a manifest; undefined when the file does not exist (a first run). Only "no such file"
 * means there is none: any other failure to check or read the file (a file system under load,
 * a path through a file) is an InfraError (exit 3), never read as an empty manifest that would
 * then be written over the real one.
 */
export async function readManifestFile<T>(
  format: ManifestFormat<T>,
  path: string,
): Promise<T | undefined> {
  let text: string;
  try {
    if (!(await stat(path)).isFile())
      throw new ManifestError(`${format.title} '${path}' is not a file. Pass the path of a file.`);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof ManifestError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InfraError(`${format.title} '${path}' could not be read: ${errorMessage(error)}.`, {
      cause: error,
    });
  }
  return parseManifestText(format, text, path);
}

/** Write a manifest atomically: a reader sees the old file or the new one, never a torn one. */
export async function writeManifestFile<T>(
  format: ManifestFormat<T>,
  path: string,
  manifest: T,
): Promise<void> {
  await writeFileAtomically(
    path,
    [`${JSON.stringify(format.toJson(manifest), null, format.indent)}\n`],
    format.title.toLowerCase(),
  );
}

/**
 * Read, change and write a manifest under an exclusive cross-process lock, so concurrent CI
 * jobs never lose each other's update. `change` gets the current manifest (undefined when there
 * is none) and returns the manifest to write (or undefined to leave the file as it is) with a
 * result for the caller.
 */
export async function updateManifestFile<T, R>(
  format: ManifestFormat<T>,
  path: string,
  change: (current: T | undefined) => { readonly write: T | undefined; readonly result: R },
): Promise<R> {
  return withFileLock(path, { what: format.title.toLowerCase() }, async () => {
    const { write, result } = change(await readManifestFile(format, path));
    if (write !== undefined) await writeManifestFile(format, path, write);
    return result;
  });
}
