import type { CliIo } from './io.js';

/** The same plan for a terminal. */
function renderDryRunPlan(plan: Record<string, unknown>): string {
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
export function printDryRunPlan(io: CliIo, plan: Record<string, unknown>, json: boolean): void {
  io.stdout.write(json ? `${JSON.stringify(plan, null, 4)}\n` : renderDryRunPlan(plan));
}
