import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.js';

export const PACKAGE_VERSION = (
  JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as { version: string }
).version;

/** The file `npm pack` writes, and the README tells a newcomer to install. */
export const TARBALL = `eval-harness-${PACKAGE_VERSION}.tgz`;

/** A shell as a newcomer has one: PATH and HOME (npm's cache), nothing of this test run's npm. */
export const NEWCOMER_ENV: Record<string, string> = {
  PATH: process.env['PATH'] ?? '',
  HOME: process.env['HOME'] ?? tmpdir(),
  // The dependencies are in npm's cache after `npm ci`: use it before the registry.
  npm_config_prefer_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

export interface ShellResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one command line in bash, as a user types it, in `cwd`. */
export function shell(
  command: string,
  cwd: string,
  env: Record<string, string> = NEWCOMER_ENV,
): ShellResult {
  const ran = spawnSync('bash', ['-c', command], { cwd, env, encoding: 'utf8' });
  return { status: ran.status, stdout: ran.stdout, stderr: ran.stderr };
}

/**
 * Packs this repository as `npm pack` would publish it (dist is built by `npm test`, so packing
 * skips the build) and copies the tarball into a new empty folder, which is returned.
 */
export async function emptyFolderWithPackedPackage(prefix: string): Promise<string> {
  const packs = await mkdtemp(join(tmpdir(), 'eval-harness-pack-'));
  const packed = spawnSync(
    'npm',
    ['pack', '--ignore-scripts', '--pack-destination', packs, '--silent'],
    { cwd: REPO_ROOT, env: NEWCOMER_ENV, encoding: 'utf8' },
  );
  if (packed.status !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  const folder = await mkdtemp(join(tmpdir(), prefix));
  await copyFile(join(packs, TARBALL), join(folder, TARBALL));
  return folder;
}
