import { readFile, stat } from 'node:fs/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { DatasetSchemaError } from '../errors.js';
import { isPlainObject } from '../values.js';
import { parseYaml } from '../yaml.js';
import {
  DATASET_SCHEMA_V1,
  SUPPORTED_DATASET_SCHEMAS,
  type DatasetSample,
} from './dataset-sample.js';

/** What a dataset file declares, after validation. */
export interface DatasetDocument {
  readonly schemaVersion: string;
  readonly name: string;
  readonly samples: readonly DatasetSample[];
  /** Optional top-level `metrics:` list, used when neither the config nor `--metric` names any. */
  readonly metrics: readonly string[] | undefined;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Read and validate a dataset file. `.json` files are parsed as JSON (same fields; much faster
 * for very large datasets), everything else as YAML.
 */
export async function loadDatasetFile(path: string): Promise<DatasetDocument> {
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

/** Validate a parsed dataset document; the first failure wins. */
export function validateDatasetDocument(document: unknown): DatasetDocument {
  // A document that is not a map (empty file, scalar, list) counts as an empty map.
  const doc = isPlainObject(document) ? document : {};

  let schemaVersion = DATASET_SCHEMA_V1;
  if ('schema_version' in doc) {
    const declared = doc['schema_version'];
    if (typeof declared !== 'string' || declared === '') {
      throw new DatasetSchemaError(
        `Dataset YAML field 'schema_version' must be a non-empty string.`,
      );
    }
    if (!SUPPORTED_DATASET_SCHEMAS.includes(declared)) {
      throw new DatasetSchemaError(
        `Dataset YAML field 'schema_version' has unsupported value '${declared}'. Supported versions: ${SUPPORTED_DATASET_SCHEMAS.join(', ')}.`,
      );
    }
    schemaVersion = declared;
  }

  const name = doc['name'];
  if (typeof name !== 'string' || name === '') {
    throw new DatasetSchemaError(`Dataset YAML missing required string field 'name'.`);
  }

  const rawSamples = doc['samples'];
  // A map of samples is a mistake we name instead of crashing on (spec open point O-3).
  if (!Array.isArray(rawSamples)) {
    throw new DatasetSchemaError(
      `Dataset YAML missing required list field 'samples'.${isPlainObject(rawSamples) ? ' (samples must be a YAML list: start each sample with "- id: ...")' : ''}`,
    );
  }
  if (rawSamples.length === 0) {
    throw new DatasetSchemaError(`Dataset YAML must declare at least one sample.`);
  }

  const seen = new Set<string>();
  const samples = rawSamples.map((raw, index) => validateSample(raw, index, seen));

  return { schemaVersion, name, samples, metrics: validateMetricList(doc['metrics']) };
}

function validateSample(raw: unknown, index: number, seen: Set<string>): DatasetSample {
  if (!isPlainObject(raw) && !Array.isArray(raw)) {
    throw new DatasetSchemaError(`Sample at index ${index} is not an associative array.`);
  }
  const entry: Record<string, unknown> = isPlainObject(raw) ? raw : {};
  const id = entry['id'];
  if (typeof id !== 'string' || id === '') {
    const hint = typeof id === 'number' ? ` (quote numeric ids: id: "${id}")` : '';
    throw new DatasetSchemaError(
      `Sample at index ${index} missing required string field 'id'.${hint}`,
    );
  }
  if (seen.has(id)) {
    throw new DatasetSchemaError(`Duplicate sample id '${id}' at index ${index}.`);
  }
  seen.add(id);

  const input = entry['input'];
  if (Array.isArray(input)) {
    if (input.length > 0) {
      throw new DatasetSchemaError(
        `Sample '${id}' (index ${index}) field 'input' must be an associative array (got a YAML list).`,
      );
    }
  } else if (!isPlainObject(input)) {
    throw new DatasetSchemaError(
      `Sample '${id}' (index ${index}) missing required associative-array field 'input'.`,
    );
  }

  if (!('expected_output' in entry)) {
    throw new DatasetSchemaError(
      `Sample '${id}' (index ${index}) missing required field 'expected_output'.`,
    );
  }

  let metadata: Record<string, unknown> = {};
  if ('metadata' in entry) {
    const rawMetadata = entry['metadata'];
    if (Array.isArray(rawMetadata)) {
      if (rawMetadata.length > 0) {
        throw new DatasetSchemaError(
          `Sample '${id}' (index ${index}) field 'metadata' must be an associative array (got a YAML list).`,
        );
      }
    } else if (isPlainObject(rawMetadata)) {
      metadata = rawMetadata;
    } else {
      throw new DatasetSchemaError(
        `Sample '${id}' (index ${index}) field 'metadata' must be an associative array.`,
      );
    }
  }

  return {
    id,
    input: isPlainObject(input) ? input : {},
    expectedOutput: entry['expected_output'],
    metadata,
  };
}

function validateMetricList(raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined;
  if (
    !Array.isArray(raw) ||
    raw.length === 0 ||
    raw.some((m) => typeof m !== 'string' || m === '')
  ) {
    throw new DatasetSchemaError(
      `Dataset YAML field 'metrics' must be a non-empty list of metric names (e.g. metrics: [exact-match, rouge-l]).`,
    );
  }
  return raw as string[];
}
