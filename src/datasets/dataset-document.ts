import * as z from 'zod';
import { DatasetSchemaError } from '../errors.js';
import { suggestKey } from '../suggest.js';
import { debugType, isPlainObject } from '../values.js';
import type { DatasetSample } from './dataset-sample.js';

/** What a dataset file declares, after validation. */
export interface DatasetDocument {
  readonly schemaVersion: string;
  readonly name: string;
  readonly samples: readonly DatasetSample[];
  /** Optional top-level `metrics:` list, used when neither the config nor `--metric` names any. */
  readonly metrics: readonly string[] | undefined;
}

/** `input` and `metadata`: a map, where YAML's empty list `[]` counts as an empty map. */
const dictionary = z.custom<Record<string, unknown> | []>(
  (value) => isPlainObject(value) || (Array.isArray(value) && value.length === 0),
);

/**
 * One sample. Checked with a plain object schema and no copying of `input`: a 100,000-sample
 * dataset is read on every benchmark run.
 */
const SampleSchema = z.object({
  id: z.string().min(1),
  input: dictionary,
  expected_output: z.unknown().refine((value) => value !== undefined),
  metadata: dictionary.optional(),
});

/** One sample, checked; `seen` collects the ids so far, to refuse a duplicate. */
export function validateSample(raw: unknown, index: number, seen: Set<string>): DatasetSample {
  if (!isPlainObject(raw) && !Array.isArray(raw)) {
    throw new DatasetSchemaError(
      `Sample at index ${index} must be an object of fields (id, input, expected_output); got ${debugType(raw)}.`,
    );
  }
  // A YAML list where a sample should be reads as a sample with no fields.
  const entry: Record<string, unknown> = isPlainObject(raw) ? raw : {};
  const parsed = SampleSchema.safeParse(entry);
  const issue = parsed.success ? undefined : parsed.error.issues[0];
  const id = entry['id'];
  if (issue?.path[0] === 'id') {
    const hint = typeof id === 'number' ? ` (quote numeric ids: id: "${id}")` : '';
    throw new DatasetSchemaError(
      `Sample at index ${index} missing required string field 'id'.${hint}`,
    );
  }
  // The id is good: a duplicate is reported before anything else about the sample.
  if (seen.has(id as string)) {
    throw new DatasetSchemaError(`Duplicate sample id '${String(id)}' at index ${index}.`);
  }
  seen.add(id as string);
  if (!parsed.success) {
    throw new DatasetSchemaError(
      sampleMessage(`Sample '${String(id)}' (index ${index})`, entry, issue as z.core.$ZodIssue),
    );
  }
  const { input, metadata } = parsed.data;
  return {
    id: parsed.data.id,
    input: Array.isArray(input) ? {} : input,
    expectedOutput: parsed.data.expected_output,
    metadata: metadata === undefined || Array.isArray(metadata) ? {} : metadata,
  };
}

/** The fields a sample may have: a key near one of them is probably a typo of it. */
const SAMPLE_FIELDS = ['id', 'input', 'expected_output', 'metadata'];

function sampleMessage(where: string, entry: Record<string, unknown>, issue: z.core.$ZodIssue) {
  const field = String(issue.path[0]);
  // A missing field next to a key that is nearly its name: say so, rather than only "missing".
  const typo = Object.keys(entry).find(
    (key) => !SAMPLE_FIELDS.includes(key) && suggestKey(key, [field]) === field,
  );
  if (typo !== undefined && entry[field] === undefined)
    return `${where} missing required field '${field}': it has '${typo}' (did you mean '${field}'?).`;
  if (field === 'expected_output') return `${where} missing required field 'expected_output'.`;
  if (Array.isArray(entry[field]))
    return `${where} field '${field}' must be an object (got a list).`;
  return field === 'input'
    ? `${where} missing required field 'input' (an object of input fields, such as { question: "…" }).`
    : `${where} field 'metadata' must be an object.`;
}
