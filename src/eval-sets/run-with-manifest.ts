import type { Clock } from '../clock.js';
import { readManifestFile, writeManifestFile } from '../manifest-file.js';
import type { GatedReport } from '../reports/index.js';
import type { EvalSetDefinition } from './eval-set.js';
import { EVAL_SET_MANIFEST_FORMAT, type EvalSetManifest } from './manifest.js';
import { runEvalSet, type EvalSetRunResult } from './run-eval-set.js';

/** Read a resume manifest; undefined when there is no file yet (a first run). */
export function readEvalSetManifest(path: string): Promise<EvalSetManifest | undefined> {
  return readManifestFile(EVAL_SET_MANIFEST_FORMAT, path);
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
      writing = writing.then(() => writeManifestFile(EVAL_SET_MANIFEST_FORMAT, path, next));
      await writing;
    },
    settled: () => writing,
  };
}

export interface EvalSetRunInput {
  readonly definition: EvalSetDefinition;
  /** The manifest to resume from; completed datasets are skipped. */
  readonly manifest?: EvalSetManifest | undefined;
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
