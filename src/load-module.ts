import { spawnSync } from 'node:child_process';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';

const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);

/**
 * Import a user module (config, SUT, custom metric) by absolute path. JavaScript loads natively;
 * TypeScript loads through jiti, imported lazily so plain runs never pay for it. A syntax error
 * in a JavaScript module says where it is (line and column): Node's own error does not.
 */
export async function importUserModule(absolutePath: string): Promise<Record<string, unknown>> {
  if (TYPESCRIPT_EXTENSIONS.has(extname(absolutePath).toLowerCase())) {
    const { createJiti } = await import('jiti');
    const jiti = createJiti(import.meta.url, { interopDefault: false, moduleCache: true });
    return (await jiti.import(absolutePath)) as Record<string, unknown>;
  }
  try {
    return (await import(pathToFileURL(absolutePath).href)) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const where = syntaxErrorLocation(absolutePath);
    throw where === undefined
      ? error
      : new SyntaxError(`${error.message} (${where})`, { cause: error });
  }
}

/**
 * `line 2, column 14` of the first syntax error in a JavaScript file, from `node --check` (which
 * prints the file, the line and a caret); undefined when the file itself parses (the error is in
 * a module it imports) or the output is not what was expected.
 */
function syntaxErrorLocation(path: string): string | undefined {
  const checked = spawnSync(process.execPath, ['--check', path], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (checked.status === 0) return undefined;
  const lines = (checked.stderr ?? '').split('\n');
  const at = /:(\d+)$/.exec(lines[0] ?? '');
  if (at === null) return undefined;
  const caret = (lines[2] ?? '').indexOf('^');
  return `line ${at[1]}${caret < 0 ? '' : `, column ${caret + 1}`}`;
}
