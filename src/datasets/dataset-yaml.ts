import { readFile, stat } from 'node:fs/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as z from 'zod';
import { DatasetSchemaError } from '../errors.js';
import { isPlainObject } from '../values.js';
import { parseYaml } from '../yaml.js';
import { loadDatasetJsonl } from './dataset-jsonl.js';
import { validateSample, type DatasetDocument } from './dataset-document.js';
import { DATASET_SCHEMA_V1, SUPPORTED_DATASET_SCHEMAS } from './dataset-sample.js';

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Read and validate a dataset file. `.json` files are parsed as JSON (same fields; much faster
 * for very large datasets), `.jsonl` files as JSON Lines read as a stream (one sample per line;
 * `name` is the dataset's name when the file has no header naming it), everything else as YAML.
 */
export async function loadDatasetFile(
  path: string,
  options: { readonly name?: string | undefined } = {},
): Promise<DatasetDocument> {
  if (path.toLowerCase().endsWith('.jsonl')) {
    return loadDatasetJsonl(path, options.name);
  }
  const text = await readDatasetText(path);
  const json = path.toLowerCase().endsWith('.json');
  let document: DatasetDocument;
  try {
    document = json ? parseDatasetJson(text) : parseDatasetYaml(text);
  } catch (error) {
    // In a config with twenty datasets the user must see which file is broken.
    if (error instanceof DatasetSchemaError)
      throw new DatasetSchemaError(`${path}: ${error.message}`, { cause: error });
    throw error;
  }
  if (json) return document;
  // Parsing a large YAML file leaves several times its size in short-lived garbage; collecting
  // it now, before scoring allocates, keeps the peak memory of a 100,000-sample run down.
  if (text.length >= LARGE_DATASET_CHARS) collectGarbage();
  return document;
}

/** The file as strict UTF-8 text; the raw bytes are dropped as soon as they are decoded. */
async function readDatasetText(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    bytes = await readFile(path);
  } catch (error) {
    throw new DatasetSchemaError(`Dataset YAML file is missing or unreadable: ${path}`, {
      cause: error,
    });
  }
  try {
    return fatalUtf8.decode(bytes);
  } catch (error) {
    throw new DatasetSchemaError(`Dataset file ${path} is not valid UTF-8.`, { cause: error });
  }
}

/** Above this size a dataset file is worth a garbage collection after parsing. */
const LARGE_DATASET_CHARS = 8 * 1024 * 1024;

function collectGarbage(): void {
  try {
    v8.setFlagsFromString('--expose-gc');
    (vm.runInNewContext('gc') as () => void)();
  } catch {
    // Only an optimisation: without it the run is the same, with a higher peak.
  }
}

/** Parse and validate dataset YAML text; the first failure, in docs/DATASETS.md order, wins. */
export function parseDatasetYaml(text: string): DatasetDocument {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new DatasetSchemaError(`Dataset YAML is not valid YAML: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return validateDatasetDocument(document);
}

function parseDatasetJson(text: string): DatasetDocument {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new DatasetSchemaError(`Dataset JSON is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return validateDatasetDocument(document);
}

/**
 * A dataset document (docs/DATASETS.md). The samples are checked one by one afterwards
 * (SampleSchema), so the first bad sample is reported in file order, and `metrics` after them.
 */
const DatasetDocumentSchema = z.object({
  schema_version: z
    .string()
    .min(1)
    .refine((version) => SUPPORTED_DATASET_SCHEMAS.includes(version))
    .optional(),
  name: z.string().min(1),
  samples: z.array(z.unknown()).min(1),
  metrics: z.array(z.string().min(1)).min(1).optional(),
});

/** Validate a parsed dataset document; the first failure wins. */
export type { DatasetDocument } from './dataset-document.js';

export function validateDatasetDocument(document: unknown): DatasetDocument {
  // A document that is not a map (empty file, scalar, list) counts as an empty map.
  const doc = isPlainObject(document) ? document : {};
  const parsed = DatasetDocumentSchema.safeParse(doc);
  const issues = parsed.success ? [] : parsed.error.issues;
  const documentIssue = issues.find((issue) => issue.path[0] !== 'metrics');
  if (documentIssue !== undefined)
    throw new DatasetSchemaError(documentMessage(doc, documentIssue));

  const rawSamples = doc['samples'] as unknown[];
  const seen = new Set<string>();
  const samples = rawSamples.map((raw, index) => validateSample(raw, index, seen));
  if (issues.length > 0) {
    throw new DatasetSchemaError(
      `Dataset YAML field 'metrics' must be a non-empty list of metric names (e.g. metrics: [exact-match, rouge-l]).`,
    );
  }
  const declared = doc['schema_version'];
  return {
    schemaVersion: typeof declared === 'string' ? declared : DATASET_SCHEMA_V1,
    name: doc['name'] as string,
    samples,
    metrics: doc['metrics'] as string[] | undefined,
  };
}

/** The message of a problem with the document's own fields, in docs/DATASETS.md's words. */
function documentMessage(doc: Record<string, unknown>, issue: z.core.$ZodIssue): string {
  switch (issue.path[0]) {
    case 'schema_version':
      return issue.code === 'custom'
        ? `Dataset YAML field 'schema_version' has unsupported value '${String(doc['schema_version'])}'. Supported versions: ${SUPPORTED_DATASET_SCHEMAS.join(', ')}.`
        : `Dataset YAML field 'schema_version' must be a non-empty string.`;
    case 'name':
      return `Dataset YAML missing required string field 'name'.`;
  }
  if (issue.code === 'too_small') return `Dataset YAML must declare at least one sample.`;
  // A map of samples is a mistake we name instead of crashing on.
  const hint = isPlainObject(doc['samples'])
    ? ' (samples must be a YAML list: start each sample with "- id: ...")'
    : '';
  return `Dataset YAML missing required list field 'samples'.${hint}`;
}
