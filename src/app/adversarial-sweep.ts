import {
  buildAdversarialDataset,
  failuresScoredZero,
  loadRunManifest,
  recordAdversarialRun,
  recordWithRegressionGate,
  runEntryFromReport,
  type GateResult,
  type GateTarget,
} from '../adversarial/index.js';
import type { Clock } from '../clock.js';
import type { DatasetSample } from '../datasets/index.js';
import { createGoldenDataset, type EvalEngine, type GoldenDataset } from '../engine/index.js';
import { ConfigError, EvalRunError, UsageError } from '../errors.js';
import { summarizeReport, type GatedReport, type ReportSummary } from '../reports/index.js';

export interface AdversarialDatasetRequest {
  readonly name: string;
  /** Category ids; null = all ten. */
  readonly categories: readonly string[] | null;
  readonly metrics: readonly string[];
  /** Your own attacks, added after the seeds, and where they came from (for messages). */
  readonly extraSamples?: { readonly samples: readonly DatasetSample[]; readonly source: string };
}

/**
 * Build the red-team dataset (seeds of the chosen categories, then your own samples) and
 * register it on the engine. An id your samples repeat from the seeds is bad input.
 */
export function registerAdversarialDataset(
  engine: EvalEngine,
  request: AdversarialDatasetRequest,
): GoldenDataset {
  const seeds = buildAdversarialDataset(engine.metrics, {
    name: request.name,
    categories: request.categories,
    metricSpecs: request.metrics,
  });
  const dataset = createGoldenDataset({
    name: request.name,
    samples: [...seeds.samples, ...(request.extraSamples?.samples ?? [])],
    metrics: seeds.metrics,
    resolveMetric: (name, options) =>
      engine.metrics.resolve({ name, ...(options === undefined ? {} : { options }) }),
  });
  const seen = new Set<string>();
  for (const sample of dataset.samples) {
    if (seen.has(sample.id))
      throw new UsageError(
        `Duplicate sample id '${sample.id}': --samples ${request.extraSamples?.source} repeats an id of the seed dataset.`,
      );
    seen.add(sample.id);
  }
  engine.registerDataset(dataset);
  return dataset;
}

/** Where a sweep is recorded, and whether it is gated against the manifest's baseline. */
export interface SweepRecording {
  readonly manifestPath: string;
  /** Runs the manifest keeps. */
  readonly retain: number;
  readonly gate: { readonly maxDrop: number; readonly targets: readonly GateTarget[] } | undefined;
}

/** A corrupt manifest, or one of another dataset, fails before the run, not after it. */
export async function checkSweepManifest(path: string, datasetName: string): Promise<void> {
  try {
    await loadRunManifest(path, datasetName);
  } catch (error) {
    if (error instanceof EvalRunError) throw new ConfigError(error.message, { cause: error });
    throw error;
  }
}

/** What recording a sweep gave: the gate's verdict, or the error that kept it from recording. */
export interface SweepRecord {
  readonly gateResult: GateResult | undefined;
  /** Raised after the report is out, so a failed write never loses the run. */
  readonly error: unknown;
}

/**
 * Record the run in its manifest, through the regression gate when one is asked for. Errors
 * never count as resisted: a failed metric scores 0 in the manifest and the gate.
 */
export async function recordSweep(
  outcome: GatedReport,
  recording: SweepRecording,
  clock: Clock,
): Promise<SweepRecord> {
  const strict = failuresScoredZero(outcome.report);
  const entry = runEntryFromReport(strict, summarizeReport(strict));
  const options = {
    maxRuns: recording.retain,
    manifestName: outcome.report.datasetName,
    now: clock.nowSeconds(),
  };
  try {
    if (recording.gate === undefined) {
      await recordAdversarialRun(recording.manifestPath, entry, options);
      return { gateResult: undefined, error: undefined };
    }
    const gateResult = await recordWithRegressionGate(recording.manifestPath, entry, {
      ...recording.gate,
      ...options,
    });
    return { gateResult, error: undefined };
  } catch (error) {
    return { gateResult: undefined, error };
  }
}

/** The summary a sweep reports: its coverage tables score a failed metric as 0. */
export function sweepSummary(outcome: GatedReport): ReportSummary {
  return {
    ...outcome.summary,
    adversarial: summarizeReport(failuresScoredZero(outcome.report)).adversarial,
  };
}
