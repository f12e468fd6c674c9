// The sample rows of an HTML report page, declared once for the model that writes them
// (html-model.ts) and the page script that reads them (browser/page.ts). A row is an array, not
// an object, because a 100,000-sample page would otherwise repeat every key 100,000 times. This
// module imports nothing, so the page script's bundle holds only these few lines of it.

/** A sample of a run page, by field. Scores, details, errors and pass lines follow `metrics`. */
export interface RunSampleFields {
  /** Index into the page's datasets. */
  readonly dataset: number;
  readonly id: string;
  readonly tags: string[];
  /** The input as JSON (or a note that it was withheld). */
  readonly input: string;
  /** The expected answer as JSON. */
  readonly expected: string;
  readonly output: string;
  readonly scores: (number | null)[];
  readonly details: unknown[];
  readonly errors: (string | null)[];
  /** Each metric's pass line for this sample; null for the default. */
  readonly passLines: (number | null)[];
}

export type SampleStatus = 'regressed' | 'improved' | 'unchanged' | 'base-only' | 'head-only';

/** A sample of a comparison page; an output is null in the report that lacks the sample. */
export interface CompareSampleFields {
  readonly dataset: number;
  readonly id: string;
  readonly tags: string[];
  readonly baseOutput: string | null;
  readonly output: string | null;
  readonly baseScores: (number | null)[];
  readonly scores: (number | null)[];
  readonly status: SampleStatus;
  readonly baseDetails: unknown[];
  readonly details: unknown[];
  /** The head run's pass line of each metric for this sample; null for the default. */
  readonly passLines: (number | null)[];
}

/** The column order of each row kind: the one place it is written. */
export const RUN_COLUMNS = [
  'dataset',
  'id',
  'tags',
  'input',
  'expected',
  'output',
  'scores',
  'details',
  'errors',
  'passLines',
] as const satisfies readonly (keyof RunSampleFields)[];

export const COMPARE_COLUMNS = [
  'dataset',
  'id',
  'tags',
  'baseOutput',
  'output',
  'baseScores',
  'scores',
  'status',
  'baseDetails',
  'details',
  'passLines',
] as const satisfies readonly (keyof CompareSampleFields)[];

/** A row as stored in the page: the fields' values in column order. */
export type SampleRow = readonly unknown[];

/** The row of a sample: its fields in the order `columns` gives. */
export function toRow<F>(columns: readonly (keyof F)[], fields: F): unknown[] {
  return columns.map((name) => fields[name]);
}

/** Reads one field of a row by name, typed by the fields interface. */
export type FieldReader<F> = <K extends keyof F>(row: SampleRow, name: K) => F[K];

export function fieldReader<F>(columns: readonly (keyof F)[]): FieldReader<F> {
  const at = new Map<keyof F, number>(columns.map((name, index) => [name, index]));
  return <K extends keyof F>(row: SampleRow, name: K) => row[at.get(name) as number] as F[K];
}

/** The positions of `names` in `columns`, for code that changes those cells of every row. */
export function columnPositions<F>(
  columns: readonly (keyof F)[],
  names: readonly (keyof F)[],
): number[] {
  return names.map((name) => columns.indexOf(name));
}
