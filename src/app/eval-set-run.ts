import { readFile, stat } from 'node:fs/promises';
import { writeFileAtomically } from '../atomic-write.js';
import type { Clock } from '../clock.js';
import type { LoadedConfig } from '../config/index.js';
import {
  EvalSetManifest,
  createEvalSet,
  runEvalSet,
  type EvalSetDefinition,
  type EvalSetRunResult,
} from '../eval-sets/index.js';
import { ConfigError, InfraError, UsageError, errorMessage } from '../errors.js';
import type { GatedReport } from '../reports/index.js';

/** The eval set the config defines under `evalSets`; an unknown name lists the known ones. */
export function configEvalSet(loaded: LoadedConfig, setName: string): EvalSetDefinition {
  const sets = loaded.config.evalSets ?? {};
  const datasets = sets[setName];
  if (datasets === undefined) {
    const known = Object.keys(sets);
    throw new UsageError(
      `Eval set '${setName}' is not defined in ${loaded.path ?? 'the config'}${known.length > 0 ? `; eval sets: ${known.join(', ')}` : '; add it under evalSets: { <name>: [datasets] }'}.`,
    );
  }
  return createEvalSet(setName, datasets);
}

/** Read a resume manifest; undefined when there is no file yet (a first run). */
export async function readEvalSetManifest(path: string): Promise<EvalSetManifest | undefined> {
  // Only "no such file" is a first run; any other error must not start the set over.
  const exists = await stat(path).then(
    (info) => info.isFile(),
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw new InfraError(
        `Eval set manifest ${path} (--manifest) could not be checked: ${errorMessage(error)}`,
        { cause: error },
      );
    },
  );
  if (!exists) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      `Eval set manifest ${path} (--manifest) is not valid JSON: ${errorMessage(error)}. Fix or delete it.`,
      { cause: error },
    );
  }
  try {
    return EvalSetManifest.fromJson(json);
  } catch (error) {
    throw new ConfigError(
      `Eval set manifest ${path} (--manifest) is invalid: ${errorMessage(error)}`,
      { cause: error },
    );
  }
}

/** Writes manifests atomically, in order; `settled()` waits for the last write. */
export interface ManifestWriter {
  write(next: EvalSetManifest): Promise<void>;
  settled(): Promise<unknown>;
}

/** A writer for `path`, or one that writes nothing when there is no manifest. */
export function createManifestWriter(path: string | undefined): ManifestWriter {
  // Writes are chained, so they land in order and an interrupt can wait for the last one.
  let writing: Promise<unknown> = Promise.resolve();
  return {
    async write(next) {
      if (path === undefined) return;
      writing = writing.then(() =>
        writeFileAtomically(
          path,
          [`${JSON.stringify(next.toJson(), null, 2)}\n`],
          'eval-set manifest',
        ),
      );
      await writing;
    },
    settled: () => writing,
  };
}

export interface EvalSetRunInput {
  readonly definition: EvalSetDefinition;
  /** The manifest to resume from; completed datasets are skipped. */
  readonly manifest?: EvalSetManifest;
  readonly writer: ManifestWriter;
  readonly clock: Clock;
  /** Run one dataset of the set (e.g. prepare it, then runDataset()). */
  readonly runOne: (datasetName: string) => Promise<GatedReport>;
}

/** What an eval set run gave: the engine's result and each dataset run now, in set order. */
export interface EvalSetOutcome {
  readonly result: EvalSetRunResult;
  readonly outcomes: readonly GatedReport[];
}

/**
 * Run an eval set's datasets in order, writing the manifest after every state change. Returns
 * once the last manifest write has landed.
 */
export async function runEvalSetWithManifest(input: EvalSetRunInput): Promise<EvalSetOutcome> {
  const byName = new Map<string, GatedReport>();
  const result = await runEvalSet({
    definition: input.definition,
    ...(input.manifest === undefined ? {} : { manifest: input.manifest }),
    clock: input.clock,
    onManifest: (next) => input.writer.write(next),
    runDataset: async (name) => {
      const outcome = await input.runOne(name);
      byName.set(name, outcome);
      return outcome.report;
    },
  });
  await input.writer.settled();
  return {
    result,
    outcomes: result.reports.map((report) => byName.get(report.datasetName) as GatedReport),
  };
}
