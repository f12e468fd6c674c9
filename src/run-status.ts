/**
 * How a run ended (docs/REPORTS.md, run status): every sample had its turn (`complete`), the run
 * stopped dispatching at a sample error past `--max-errors` or an infrastructure failure
 * (`stopped-on-error`), a signal stopped it (`interrupted`), or its spending budget did
 * (`budget-halted`). A leaf: the producer loop and the report model both speak it.
 */
export const RUN_STATUSES = [
  'complete',
  'stopped-on-error',
  'interrupted',
  'budget-halted',
] as const;

export type RunStatus = (typeof RUN_STATUSES)[number];
