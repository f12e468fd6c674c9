import { EvalRunError, ManifestError } from '../errors.js';
import { readManifestFile, updateManifestFile } from '../manifest-file.js';
import {
  checkMaxDrop,
  evaluateRegressionGate,
  findBaseline,
  type GateResult,
  type GateTarget,
} from './regression-gate.js';
import {
  ADVERSARIAL_MANIFEST_FORMAT,
  AdversarialRunManifest,
  type AdversarialRunEntry,
} from './run-manifest.js';

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

/** Load and validate a manifest file; undefined when it does not exist. For preflight checks too. */
export async function loadRunManifest(
  path: string,
  manifestName: string,
): Promise<AdversarialRunManifest | undefined> {
  checkPath(path);
  const manifest = await readManifestFile(ADVERSARIAL_MANIFEST_FORMAT, path);
  checkBelongs(manifest, path, manifestName);
  return manifest;
}

function checkBelongs(
  manifest: AdversarialRunManifest | undefined,
  path: string,
  manifestName: string,
): void {
  if (manifest !== undefined && manifest.name !== manifestName)
    throw new ManifestError(
      `Adversarial run manifest '${path}' belongs to manifest '${manifest.name}', not '${manifestName}'.`,
    );
}

/**
 * Change the manifest under its lock (read, change, write atomically), so concurrent CI jobs
 * never lose a run or leave a torn file. `change` returns the manifest to write, if any.
 */
function updateRunManifest<R>(
  path: string,
  name: string,
  change: (manifest: AdversarialRunManifest) => {
    readonly write: AdversarialRunManifest | undefined;
    readonly result: R;
  },
): Promise<R> {
  return updateManifestFile(ADVERSARIAL_MANIFEST_FORMAT, path, (current) => {
    checkBelongs(current, path, name);
    return change(current ?? AdversarialRunManifest.empty(name));
  });
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
  return updateRunManifest(path, name, (manifest) => {
    const next = manifest.record(entry, maxRuns, options.now);
    return { write: next, result: next };
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
  return updateRunManifest(path, name, (manifest) => {
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
    return record
      ? {
          write: manifest.record(entry, maxRuns, options.now),
          result: { ...result, recorded: true },
        }
      : { write: undefined, result };
  });
}
