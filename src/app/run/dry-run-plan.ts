import { effectiveChunkSize, effectiveDispatch, type ResolvedBatch } from '../../batches/index.js';
import type { GoldenDataset } from '../../engine/index.js';
import type { OpenedRun } from './open-run.js';

/** A dataset as the plan shows it: its samples and metrics, and the SUT calls per sample. */
export interface PlannedDataset {
  readonly dataset: GoldenDataset;
  readonly repeat: number;
}

/** The `--dry-run` plan; keys as docs/BATCH_PROFILES.md shows them, unset values null. */
export function buildDryRunPlan(
  datasets: readonly PlannedDataset[],
  resolved: ResolvedBatch,
  maxCostUsd: number | null = null,
): Record<string, unknown> {
  const options = resolved.options;
  return {
    datasets: datasets.map(({ dataset, repeat }) => ({
      name: dataset.name,
      samples: dataset.samples.length,
      metrics: dataset.metrics.map((metric) => metric.name),
      repeat,
    })),
    profile: resolved.profile?.name ?? null,
    maxCostUsd,
    batch: {
      mode: options.mode,
      concurrency: options.concurrency,
      queue: options.queue,
      timeoutSeconds: options.timeoutSeconds,
      waitTimeoutSeconds: options.waitTimeoutSeconds,
      resultTtlSeconds: options.resultTtlSeconds,
      chunkSize: options.chunkSize,
      rateLimit: options.rateLimit,
      rateWindowSeconds: options.rateWindowSeconds,
      checkpointEvery: options.checkpointEvery,
      dispatch: options.dispatch,
      effectiveChunkSize: effectiveChunkSize(options),
      effectiveDispatch: effectiveDispatch(options),
    },
  };
}

/** The plan of an opened run, as `--dry-run` shows it. */
export function dryRunPlanOf(opened: OpenedRun): Record<string, unknown> {
  return buildDryRunPlan(
    opened.datasets.map((entry) => ({ dataset: entry.dataset, repeat: entry.repeat ?? 1 })),
    opened.plan.batch,
    opened.plan.maxCostUsd ?? null,
  );
}
