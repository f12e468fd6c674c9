import type { Clock } from '../clock.js';
import { InfraError, InputError, errorMessage } from '../errors.js';
import type { EvalReport } from '../reports/index.js';
import type { EvalSetDefinition } from './eval-set.js';
import { EvalSetManifest } from './manifest.js';

/** What one pass over an eval set produced; reports only for datasets run in this pass. */
export interface EvalSetRunResult {
  readonly definition: EvalSetDefinition;
  readonly manifest: EvalSetManifest;
  readonly reports: readonly EvalReport[];
  /** The error of the dataset that stopped the set, if one did. */
  readonly stoppedBy: {
    readonly dataset: string;
    readonly error: string;
    readonly previously: boolean;
  } | null;
  /** A dataset's run was interrupted: the set stopped there, and that dataset stays `running`. */
  readonly interrupted: boolean;
}

export interface RunEvalSetOptions {
  readonly definition: EvalSetDefinition;
  /** Runs one dataset and returns its report. */
  readonly runDataset: (datasetName: string) => Promise<EvalReport>;
  /** A manifest from an earlier pass, to resume; a new one is started otherwise. */
  readonly manifest?: EvalSetManifest;
  readonly clock: Clock;
  /** Called after every state change, so the caller can persist the manifest. */
  readonly onManifest?: (manifest: EvalSetManifest) => Promise<void> | void;
}

/**
 * Run an eval set's datasets in order: completed datasets are skipped,
 * a dataset that failed earlier stops the set as it is, a new failure is recorded and stops it.
 * Errors that mean nothing could run (bad input, exit 2; Redis unreachable) are thrown, not
 * recorded, so fixing them and running again resumes cleanly.
 */
export async function runEvalSet(options: RunEvalSetOptions): Promise<EvalSetRunResult> {
  const { definition, clock } = options;
  let manifest = options.manifest ?? EvalSetManifest.start(definition, clock.nowSeconds());
  manifest.assertMatches(definition);
  const save = async (next: EvalSetManifest): Promise<void> => {
    manifest = next;
    await options.onManifest?.(manifest);
  };
  if (options.manifest === undefined) await save(manifest);

  const reports: EvalReport[] = [];
  const ended = (
    stoppedBy: EvalSetRunResult['stoppedBy'],
    interrupted = false,
  ): EvalSetRunResult => ({ definition, manifest, reports, stoppedBy, interrupted });
  /** Record a dataset that failed now and stop the set there. */
  const failed = async (name: string, message: string): Promise<EvalSetRunResult> => {
    await save(manifest.markFailed(name, message, clock.nowSeconds()));
    return ended({ dataset: name, error: message, previously: false });
  };
  for (const name of definition.datasetNames) {
    const entry = manifest.entryFor(name);
    if (entry?.status === 'completed') continue;
    if (entry?.status === 'failed')
      return ended({ dataset: name, error: entry.error ?? 'failed', previously: true });
    await save(manifest.markRunning(name, clock.nowSeconds()));
    let report: EvalReport;
    try {
      report = await options.runDataset(name);
    } catch (error) {
      if (isSetupError(error)) throw error;
      return failed(
        name,
        errorMessage(error).trim() || (error instanceof Error ? error.name : 'Error'),
      );
    }
    // A partial report is kept for the outputs; the manifest says the dataset must run again:
    // failed when it stopped on an error (--retry-failed), still running when interrupted.
    if (report.status === 'interrupted') {
      reports.push(report);
      return ended(null, true);
    }
    if (report.status === 'stopped-on-error') {
      reports.push(report);
      // The first sample error says what went wrong; the stop reason only says where.
      return failed(
        name,
        report.sampleErrors[0]?.error ?? report.stopReason ?? 'the run stopped on an error',
      );
    }
    await save(manifest.markCompleted(name, report));
    reports.push(report);
  }
  return ended(null);
}

function isSetupError(error: unknown): boolean {
  return (
    error instanceof InputError ||
    (error instanceof InfraError && error.code === 'E_REDIS_UNREACHABLE')
  );
}
