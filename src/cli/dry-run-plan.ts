import { effectiveChunkSize, effectiveDispatch, type ResolvedBatch } from '../batches/index.js';
import type { GoldenDataset } from '../engine/index.js';
import type { CliIo } from './io.js';

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

/** The same plan for a terminal. */
function renderDryRunPlan(plan: ReturnType<typeof buildDryRunPlan>): string {
  const lines = [
    'Dry run: configuration, dataset, metrics and batch options are valid. Nothing was called.',
    '',
  ];
  for (const dataset of plan['datasets'] as {
    name: string;
    samples: number;
    metrics: string[];
    repeat: number;
  }[]) {
    const repeats = dataset.repeat === 1 ? '' : `, each run ${dataset.repeat} times`;
    lines.push(
      `dataset  ${dataset.name}: ${dataset.samples} samples${repeats}; metrics ${dataset.metrics.join(', ')}`,
    );
  }
  lines.push(`profile  ${String(plan['profile'] ?? '(none)')}`);
  if (plan['maxCostUsd'] !== null)
    lines.push(`budget   $${String(plan['maxCostUsd'])} (--max-cost)`);
  const batch = plan['batch'] as Record<string, unknown>;
  for (const [key, value] of Object.entries(batch))
    lines.push(`batch    ${key.padEnd(19)} ${value === null ? '-' : String(value)}`);
  return `${lines.join('\n')}\n`;
}

/** Print the plan on stdout: JSON with `--json`, else the table for a terminal. */
export function printDryRunPlan(
  io: CliIo,
  datasets: readonly PlannedDataset[],
  resolved: ResolvedBatch,
  json: boolean,
  maxCostUsd: number | null = null,
): void {
  const plan = buildDryRunPlan(datasets, resolved, maxCostUsd);
  io.stdout.write(json ? `${JSON.stringify(plan, null, 4)}\n` : renderDryRunPlan(plan));
}
