import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';

const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);

/**
 * Import a user module (config, SUT, custom metric) by absolute path. JavaScript loads natively;
 * TypeScript loads through jiti, imported lazily so plain runs never pay for it.
 */
export async function importUserModule(absolutePath: string): Promise<Record<string, unknown>> {
  if (TYPESCRIPT_EXTENSIONS.has(extname(absolutePath).toLowerCase())) {
    const { createJiti } = await import('jiti');
    const jiti = createJiti(import.meta.url, { interopDefault: false, moduleCache: true });
    return (await jiti.import(absolutePath)) as Record<string, unknown>;
  }
  return (await import(pathToFileURL(absolutePath).href)) as Record<string, unknown>;
}
