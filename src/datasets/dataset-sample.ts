import { asciiTrim } from '../values.js';

/** The schema versions a dataset may declare; later versions are added here. */
export const DATASET_SCHEMA_V1 = 'eval-harness.dataset.v1';
export const SUPPORTED_DATASET_SCHEMAS: readonly string[] = [DATASET_SCHEMA_V1];

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
}

/** Build a sample; `metadata` defaults to `{}`. */
export function createSample(sample: {
  id: string;
  input?: Record<string, unknown>;
  expectedOutput?: unknown;
  metadata?: Record<string, unknown>;
}): DatasetSample {
  return {
    id: sample.id,
    input: sample.input ?? {},
    expectedOutput: sample.expectedOutput ?? null,
    metadata: sample.metadata ?? {},
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
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw)
    ? (raw as Record<string, number>)
    : {};
}
