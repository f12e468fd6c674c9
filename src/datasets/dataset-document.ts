import * as z from 'zod';
import { DatasetSchemaError } from '../errors.js';
import { suggestKey } from '../suggest.js';
import { debugType, isPlainObject } from '../values.js';
import { assertionName, type DatasetSample, type SampleAssertion } from './dataset-sample.js';

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
  assert: z.unknown().optional(),
});

/** The keys a check may have besides its metric's name in the shorthand form. */
const CHECK_KEYS = ['name', 'value', 'not', 'threshold'];

/**
 * A sample's `assert:` list. Each entry is a metric name (`is-json`), a metric with its target
 * (`{ contains-all: ["30 days", "receipt"] }`), or the long form `{ name, value?, not?,
 * threshold?, ...options }` whose other keys are the metric's options (`{ name: equals, value:
 * Paris, ignoreCase: true }`); `not` and `threshold` may sit beside the shorthand too.
 */
function parseAssertions(raw: unknown, where: string): SampleAssertion[] {
  if (!Array.isArray(raw))
    throw new DatasetSchemaError(
      `${where} field 'assert' must be a list of checks, such as [is-json, { contains-all: ["30 days"] }]; got ${debugType(raw)}.`,
    );
  const names = new Set<string>();
  return raw.map((entry: unknown, index) => {
    const at = `${where} assert[${index}]`;
    let check: SampleAssertion;
    if (typeof entry === 'string' && entry !== '') check = { metric: entry, not: false };
    else if (isPlainObject(entry)) {
      const metricKeys = Object.keys(entry).filter((key) => !CHECK_KEYS.includes(key));
      const named = entry['name'];
      // In the long form the other keys are the metric's options; the metric checks them.
      const options =
        named !== undefined && metricKeys.length > 0
          ? Object.fromEntries(metricKeys.map((key) => [key, entry[key]]))
          : undefined;
      if (named === undefined && metricKeys.length !== 1)
        throw new DatasetSchemaError(
          `${at} must name one metric: { name: <metric>, value: … } or { <metric>: <value> }; got keys ${Object.keys(entry).join(', ') || '(none)'}.`,
        );
      if (named !== undefined && (typeof named !== 'string' || named === ''))
        throw new DatasetSchemaError(`${at} name must be a metric name; got ${debugType(named)}.`);
      const metric = (named as string | undefined) ?? (metricKeys[0] as string);
      const value = named === undefined ? entry[metric] : entry['value'];
      const not = entry['not'] ?? false;
      if (typeof not !== 'boolean')
        throw new DatasetSchemaError(`${at} not must be true or false; got ${debugType(not)}.`);
      const threshold = entry['threshold'];
      if (
        threshold !== undefined &&
        (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1))
      )
        throw new DatasetSchemaError(
          `${at} threshold must be a pass line from 0 to 1; got ${debugType(threshold)}.`,
        );
      check = {
        metric,
        not,
        ...(value === undefined ? {} : { value }),
        ...(threshold === undefined ? {} : { threshold: threshold as number }),
        ...(options === undefined ? {} : { options }),
      };
    } else
      throw new DatasetSchemaError(
        `${at} must be a metric name or an object such as { contains-all: ["30 days"] }; got ${debugType(entry)}.`,
      );
    const name = assertionName(check);
    if (names.has(name))
      throw new DatasetSchemaError(
        `${at} repeats the check '${name}'; each check may appear once.`,
      );
    names.add(name);
    return check;
  });
}

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
  const checks =
    parsed.data.assert === undefined
      ? []
      : parseAssertions(parsed.data.assert, `Sample '${String(id)}' (index ${index})`);
  return {
    id: parsed.data.id,
    input: Array.isArray(input) ? {} : input,
    expectedOutput: parsed.data.expected_output,
    metadata: metadata === undefined || Array.isArray(metadata) ? {} : metadata,
    ...(checks.length === 0 ? {} : { assert: checks }),
  };
}

/** The fields a sample may have: a key near one of them is probably a typo of it. */
const SAMPLE_FIELDS = ['id', 'input', 'expected_output', 'metadata', 'assert'];

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
