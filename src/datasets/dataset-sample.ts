import { asciiTrim } from '../values.js';

/** The schema versions a dataset may declare; later versions are added here. */
export const DATASET_SCHEMA_V1 = 'eval-harness.dataset.v1';
export const SUPPORTED_DATASET_SCHEMAS: readonly string[] = [DATASET_SCHEMA_V1];

/**
 * A check of one sample (`assert:` in a dataset file): a metric scored against this sample's
 * own target, in addition to the dataset's metrics.
 */
export interface SampleAssertion {
  /** The metric, by name (a built-in or a config metric). */
  readonly metric: string;
  /** What the metric compares with instead of `expected_output`; absent keeps it. */
  readonly value?: unknown;
  /** Inverts a metric that scores 0 or 1. */
  readonly not: boolean;
  /** This check's pass line for this sample. */
  readonly threshold?: number;
  /** The metric's options for this check (the long form's other keys). */
  readonly options?: Readonly<Record<string, unknown>>;
}

/**
 * Which resolved metric scores a check: its metric's name, with its options when it has any, so
 * checks that configure one metric differently get a metric each.
 */
export function assertionMetricKey(assertion: SampleAssertion): string {
  return assertion.options === undefined
    ? assertion.metric
    : `${assertion.metric} ${JSON.stringify(assertion.options)}`;
}

/** The name a check's score is reported under: the metric's, or `not:<metric>` when inverted. */
export function assertionName(assertion: SampleAssertion): string {
  return assertion.not ? `not:${assertion.metric}` : assertion.metric;
}

/** One golden sample: what the SUT receives (`input`) and what metrics compare against. */
export interface DatasetSample {
  /** Unique within its dataset; compared verbatim (never trimmed). */
  readonly id: string;
  /** Handed to the system under test. Conventionally holds `question`. */
  readonly input: Readonly<Record<string, unknown>>;
  /** Any YAML value; each metric decides what it accepts. */
  readonly expectedOutput: unknown;
  /** Free-form; the harness reads only tags, citations, refusal and adversarial keys. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** This sample's own checks, scored beside the dataset's metrics. */
  readonly assert?: readonly SampleAssertion[];
}

/** Build a sample; `metadata` defaults to `{}`. */
export function createSample(sample: {
  id: string;
  input?: Record<string, unknown>;
  expectedOutput?: unknown;
  metadata?: Record<string, unknown>;
  assert?: readonly SampleAssertion[];
}): DatasetSample {
  return {
    id: sample.id,
    input: sample.input ?? {},
    expectedOutput: sample.expectedOutput ?? null,
    metadata: sample.metadata ?? {},
    ...(sample.assert === undefined || sample.assert.length === 0 ? {} : { assert: sample.assert }),
  };
}

/** The usable tags of a sample: trimmed non-empty strings, de-duplicated. */
export function sampleTags(sample: DatasetSample): string[] {
  const raw = sample.metadata['tags'];
  const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
  const tags: string[] = [];
  for (const entry of list) {
    if (typeof entry !== 'string') continue;
    const tag = asciiTrim(entry);
    if (tag !== '' && !tags.includes(tag)) tags.push(tag);
  }
  return tags;
}

/**
 * The sample's own pass lines (`metadata.thresholds: { metric: 0.8 }`), which win over the
 * dataset's for that sample; checked when the dataset is registered.
 */
export function sampleThresholds(sample: DatasetSample): Readonly<Record<string, number>> {
  const raw = sample.metadata['thresholds'];
  const own =
    raw !== null && typeof raw === 'object' && !Array.isArray(raw)
      ? (raw as Record<string, number>)
      : {};
  const checks = (sample.assert ?? []).filter((check) => check.threshold !== undefined);
  if (checks.length === 0) return own;
  // A check's pass line is the sample's pass line of the name it is reported under.
  return {
    ...own,
    ...Object.fromEntries(checks.map((check) => [assertionName(check), check.threshold as number])),
  };
}
