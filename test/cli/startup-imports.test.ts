// `eval-harness --version` and `--help` must stay cheap: the entry point's static imports may load
// commander, but not zod, the config loader or the batch code (they come in with each command,
// through dynamic import()). Timing is for the benchmark; this checks the import graph itself.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

/** Every module reached from `entry` by static imports, and the packages they name. */
function staticImports(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/^(?:import|export) (?!type )[^;]*?from '([^']+)';/gms)) {
      const target = match[1] as string;
      if (target.startsWith('.')) visit(resolve(dirname(file), target));
      else packages.add(target);
    }
  };
  visit(entry);
  return {
    files: [...files].map((file) => relative(`${REPO_ROOT}dist`, file)).sort(),
    packages: [...packages].sort(),
  };
}

describe('start-up imports of the built CLI', () => {
  it('loads neither zod, the config code nor the batch code before a command runs', () => {
    const { files, packages } = staticImports(`${REPO_ROOT}dist/cli/main.js`);
    expect(packages.filter((name) => !name.startsWith('node:'))).toEqual(['commander']);
    expect(files).toEqual([
      'batches/options/flag-names.js',
      'cli/batch-flags.js',
      'cli/help.js',
      'cli/io.js',
      'cli/main.js',
      'cli/run-options.js',
      'errors.js',
      'pending-calls.js',
      'version.js',
    ]);
  });
});
