import { createReadStream } from 'node:fs';
import { basename, extname } from 'node:path';
import { DatasetSchemaError, errorMessage } from '../errors.js';
import { debugType, isPlainObject } from '../values.js';
import {
  DATASET_SCHEMA_V1,
  SUPPORTED_DATASET_SCHEMAS,
  type DatasetSample,
} from './dataset-sample.js';
import { validateSample, type DatasetDocument } from './dataset-document.js';

/** One line of a JSON Lines file, numbered from 1 as an editor shows it. */
export interface NumberedLine {
  readonly number: number;
  readonly text: string;
}

/**
 * The lines of a file, read as a stream: the file is never held whole in memory. Bytes that are
 * not UTF-8 fail the read (as every input file of this tool does) instead of becoming U+FFFD.
 */
export async function* readLines(path: string): AsyncGenerator<NumberedLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending = '';
  let number = 0;
  const split = function* (text: string, final: boolean): Generator<NumberedLine> {
    pending += text;
    let end = pending.indexOf('\n');
    while (end >= 0) {
      number++;
      yield { number, text: pending.slice(0, end).replace(/\r$/, '') };
      pending = pending.slice(end + 1);
      end = pending.indexOf('\n');
    }
    if (final && pending !== '') {
      number++;
      yield { number, text: pending.replace(/\r$/, '') };
      pending = '';
    }
  };
  try {
    for await (const chunk of createReadStream(path))
      yield* split(decoder.decode(chunk as Buffer, { stream: true }), false);
    yield* split(decoder.decode(), true);
  } catch (error) {
    if (error instanceof TypeError)
      throw new DatasetSchemaError(`${path} is not valid UTF-8 (after line ${number}).`, {
        cause: error,
      });
    throw error;
  }
}

/** Whether a parsed first line is the dataset's header rather than its first sample. */
function isHeader(value: unknown): value is Record<string, unknown> {
  return (
    isPlainObject(value) &&
    !('id' in value) &&
    ('name' in value || 'schema_version' in value || 'metrics' in value)
  );
}

/** The header's fields, checked with the messages a YAML dataset's fields get. */
function readHeader(
  header: Record<string, unknown>,
  path: string,
): { schemaVersion: string; name: string | undefined; metrics: string[] | undefined } {
  const at = `${path}: line 1 (the header)`;
  const version = header['schema_version'];
  if (
    version !== undefined &&
    (typeof version !== 'string' || !SUPPORTED_DATASET_SCHEMAS.includes(version))
  )
    throw new DatasetSchemaError(
      `${at}: schema_version ${JSON.stringify(version)} is not supported. Supported versions: ${SUPPORTED_DATASET_SCHEMAS.join(', ')}.`,
    );
  const name = header['name'];
  if (name !== undefined && (typeof name !== 'string' || name === ''))
    throw new DatasetSchemaError(`${at}: name must be a non-empty string; got ${debugType(name)}.`);
  const metrics = header['metrics'];
  if (
    metrics !== undefined &&
    !(
      Array.isArray(metrics) &&
      metrics.length > 0 &&
      metrics.every((m) => typeof m === 'string' && m !== '')
    )
  )
    throw new DatasetSchemaError(
      `${at}: metrics must be a non-empty list of metric names, such as ["exact-match", "rouge-l"].`,
    );
  return {
    schemaVersion: typeof version === 'string' ? version : DATASET_SCHEMA_V1,
    name: name as string | undefined,
    metrics: metrics as string[] | undefined,
  };
}

/**
 * A JSON Lines dataset: one sample per line (the sample fields of docs/DATASETS.md), after an
 * optional header line `{"schema_version": …, "name": …, "metrics": […]}`. Without a header name
 * the dataset takes `fallbackName` (its config key), else the file's name without `.jsonl`.
 * Blank lines are skipped; every problem names the file and the line.
 */
export async function loadDatasetJsonl(
  path: string,
  fallbackName?: string,
): Promise<DatasetDocument> {
  let header: ReturnType<typeof readHeader> | undefined;
  const samples: DatasetSample[] = [];
  const seen = new Set<string>();
  for await (const line of readLines(path)) {
    if (line.text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line.text);
    } catch (error) {
      throw new DatasetSchemaError(
        `${path}: line ${line.number} is not valid JSON: ${errorMessage(error)}.`,
        { cause: error },
      );
    }
    if (samples.length === 0 && header === undefined && isHeader(value)) {
      header = readHeader(value, path);
      continue;
    }
    try {
      samples.push(validateSample(value, samples.length, seen));
    } catch (error) {
      if (!(error instanceof DatasetSchemaError)) throw error;
      throw new DatasetSchemaError(`${path}: line ${line.number}: ${error.message}`, {
        cause: error,
      });
    }
  }
  if (samples.length === 0)
    throw new DatasetSchemaError(
      `${path}: a dataset must hold at least one sample (one per line).`,
    );
  return {
    schemaVersion: header?.schemaVersion ?? DATASET_SCHEMA_V1,
    name: header?.name ?? fallbackName ?? basename(path, extname(path)),
    samples,
    metrics: header?.metrics,
  };
}
