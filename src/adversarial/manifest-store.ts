import { readFile, stat } from 'node:fs/promises';
import { writeFileAtomically } from '../atomic-write.js';
import { EvalRunError, InfraError, errorMessage } from '../errors.js';
import { withFileLock } from '../file-lock.js';
import {
  checkMaxDrop,
  evaluateRegressionGate,
  findBaseline,
  type GateResult,
  type GateTarget,
} from './regression-gate.js';
import { AdversarialRunManifest, type AdversarialRunEntry } from './run-manifest.js';

export interface RecordOptions {
  /** @defaultValue 10 */
  readonly maxRuns?: number;
  /** @defaultValue the entry's dataset */
  readonly manifestName?: string;
  readonly now: number;
}

function checkPath(path: string): void {
  if (path === '' || path.trim() !== path) {
    throw new EvalRunError(
      'Adversarial run manifest path must be a non-empty string without leading or trailing whitespace.',
    );
  }
}

function checkRetention(maxRuns: number): void {
  if (!Number.isInteger(maxRuns) || maxRuns < 1)
    throw new EvalRunError('Adversarial run manifest retention must keep at least one run.');
}

/**
 * Whether `path` is a file. Only "no such file" means there is none: any other error (a file
 * system under load) is raised, never read as an empty manifest that would then be written over
 * the real one.
 */
async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new InfraError(
      `Adversarial run manifest '${path}' could not be checked: ${errorMessage(error)}.`,
      { cause: error },
    );
  }
}

/** Load and validate a manifest file; undefined when it does not exist. For preflight checks too. */
export async function loadRunManifest(
  path: string,
  manifestName: string,
): Promise<AdversarialRunManifest | undefined> {
  checkPath(path);
  if (!(await isFile(path))) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new EvalRunError(
      `Adversarial run manifest '${path}' could not be read: ${errorMessage(error)}.`,
    );
  }
  const manifest = AdversarialRunManifest.fromJsonText(text, path);
  if (manifest.name !== manifestName) {
    throw new EvalRunError(
      `Adversarial run manifest '${path}' belongs to manifest '${manifest.name}', not '${manifestName}'.`,
    );
  }
  return manifest;
}

/**
 * Read-modify-write under an exclusive cross-process lock, saving atomically, so concurrent CI
 * jobs never lose a run or leave a torn file.
 */
function withManifestLock<T>(path: string, body: () => Promise<T>): Promise<T> {
  return withFileLock(path, { what: 'adversarial run manifest' }, body);
}

async function save(path: string, manifest: AdversarialRunManifest): Promise<void> {
  await writeFileAtomically(
    path,
    [`${JSON.stringify(manifest.toJson(), null, 4)}\n`],
    'adversarial run manifest',
  );
}

/** Record a run (history, failures included) with retention. */
export async function recordAdversarialRun(
  path: string,
  entry: AdversarialRunEntry,
  options: RecordOptions,
): Promise<AdversarialRunManifest> {
  const maxRuns = options.maxRuns ?? 10;
  const name = options.manifestName ?? entry.dataset;
  checkPath(path);
  checkRetention(maxRuns);
  return withManifestLock(path, async () => {
    const manifest = (await loadRunManifest(path, name)) ?? AdversarialRunManifest.empty(name);
    const next = manifest.record(entry, maxRuns, options.now);
    await save(path, next);
    return next;
  });
}

/**
 * Compare with the latest compatible clean baseline and record the run only when the gate did not
 * fail, the run has no captured failures and no check is missing a value (no downward ratchet).
 * Options are validated before the filesystem is touched.
 */
export async function recordWithRegressionGate(
  path: string,
  entry: AdversarialRunEntry,
  options: RecordOptions & { readonly maxDrop: number; readonly targets: readonly GateTarget[] },
): Promise<GateResult> {
  const maxRuns = options.maxRuns ?? 10;
  const name = options.manifestName ?? entry.dataset;
  checkPath(path);
  checkRetention(maxRuns);
  checkMaxDrop(options.maxDrop);
  return withManifestLock(path, async () => {
    const manifest = (await loadRunManifest(path, name)) ?? AdversarialRunManifest.empty(name);
    const result = evaluateRegressionGate(
      entry,
      findBaseline(manifest, entry),
      options.maxDrop,
      options.targets,
    );
    const record =
      result.status !== 'fail' &&
      entry.total_failures === 0 &&
      result.checks.every((check) => check.status !== 'missing-value');
    if (!record) return result;
    await save(path, manifest.record(entry, maxRuns, options.now));
    return { ...result, recorded: true };
  });
}
