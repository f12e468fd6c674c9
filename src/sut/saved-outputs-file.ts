import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import { DatasetSchemaError, EvalRunError } from '../errors.js';
import { isPlainObject } from '../values.js';
import { parseYaml } from '../yaml.js';
import { SavedOutputs, savedEntry, type SavedOutputEntry } from './saved-outputs.js';
import { pathInfo } from '../path-info.js';
import { readLines } from '../datasets/index.js';

/**
 * The list form, `outputs: [{ id, actual_output, retrieved?, trajectory?, usage? }]`. The answer
 * parts are checked with the SUT answer schema when the entries are built.
 */
const SavedOutputListSchema = z.array(
  z.looseObject({ id: z.string().min(1), actual_output: z.string() }),
);

/** The first problem of the list form, element by element as a reader goes down the file. */
function listIssueMessage(outputs: unknown[], error: z.ZodError, source: string): string {
  const [index, field] = (error.issues[0] as z.core.$ZodIssue).path as [number, string?];
  const at = `Saved outputs entry at index ${index} in '${source}'`;
  if (field === undefined) return `${at} must be an object with id and actual_output.`;
  if (field === 'id') return `${at} must contain a non-empty string id.`;
  const id = String((outputs[index] as Record<string, unknown>)['id']);
  return `Saved output for sample '${id}' in '${source}' must contain a string actual_output.`;
}

/** Load a saved-outputs file (`{"outputs": {...}}` or `{"outputs": [...]}`, JSON or YAML). */
export async function loadSavedOutputsFile(path: string): Promise<SavedOutputs> {
  const info = await pathInfo(path);
  if (!info?.isFile()) {
    throw new EvalRunError(`Saved outputs file '${path}' does not exist or is not a regular file.`);
  }
  const unreadable = (error: unknown): EvalRunError => {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'is not readable' : 'could not be read';
    return new EvalRunError(`Saved outputs file '${path}' ${why}.`, { cause: error });
  };
  // JSON Lines are read line by line: a million outputs never sit in one string.
  if (path.toLowerCase().endsWith('.jsonl')) {
    const lines = new SavedOutputLines(path);
    try {
      for await (const line of readLines(path)) lines.add(line.text, line.number);
    } catch (error) {
      if (error instanceof EvalRunError) throw error;
      // The reader names the file and the line after which the bytes stop being UTF-8.
      if (error instanceof DatasetSchemaError)
        throw new EvalRunError(`Saved outputs file ${error.message}`, { cause: error });
      throw unreadable(error);
    }
    return lines.finish();
  }
  let contents: string;
  try {
    contents = new TextDecoder('utf-8', { fatal: true }).decode(await readFile(path));
  } catch (error) {
    throw unreadable(error);
  }
  return parseSavedOutputs(contents, path);
}

/**
 * JSON Lines saved outputs: one `{"id": …, "output": …}` per line, where `output` is the answer
 * text or a whole answer `{ output, retrieved?, trajectory?, usage? }` (or the parts beside
 * `output` on the line). Blank lines are skipped; every problem names the line.
 */
class SavedOutputLines {
  private readonly entries: SavedOutputEntry[] = [];
  private readonly lineOf = new Map<string, number>();

  constructor(private readonly source: string) {}

  add(raw: string, number: number): void {
    const text = raw.replace(/\r$/, '');
    if (text.trim() === '') return;
    const at = `line ${number} of '${this.source}'`;
    let line: unknown;
    try {
      line = JSON.parse(text);
    } catch (error) {
      throw new EvalRunError(`Saved outputs ${at} is not valid JSON: ${reason(error)}.`, {
        cause: error,
      });
    }
    if (!isPlainObject(line) || typeof line['id'] !== 'string' || line['id'] === '')
      throw new EvalRunError(
        `Saved outputs ${at} must be an object with a non-empty string id and an output, such as {"id": "s1", "output": "Paris"}.`,
      );
    const id = line['id'];
    const earlier = this.lineOf.get(id);
    if (earlier !== undefined)
      throw new EvalRunError(
        `Duplicate saved output for sample '${id}' at ${at} (first at line ${earlier}).`,
      );
    this.lineOf.set(id, number);
    const { id: _id, output, actual_output: actualOutput, ...parts } = line;
    const answer = output ?? actualOutput;
    this.entries.push(
      savedEntry(
        id,
        typeof answer === 'string' && Object.keys(parts).length > 0
          ? { output: answer, ...parts }
          : answer,
        `at ${at}`,
      ),
    );
  }

  finish(): SavedOutputs {
    if (this.entries.length === 0)
      throw new EvalRunError(`Saved outputs in '${this.source}' must hold at least one line.`);
    return new SavedOutputs(this.entries);
  }
}

function parseSavedOutputLines(contents: string, source: string): SavedOutputs {
  const lines = new SavedOutputLines(source);
  contents.split('\n').forEach((raw, index) => lines.add(raw, index + 1));
  return lines.finish();
}

/** Parse saved outputs from text; `source` names the origin in messages and picks the format. */
export function parseSavedOutputs(contents: string, source = 'inline saved outputs'): SavedOutputs {
  if (contents.trim() === '')
    throw new EvalRunError(`Saved outputs in '${source}' must not be empty.`);
  if (source.toLowerCase().endsWith('.jsonl')) return parseSavedOutputLines(contents, source);
  const document = parseDocument(contents, source);
  if (!isPlainObject(document)) {
    throw new EvalRunError(
      `Saved outputs in '${source}' must be a JSON/YAML object and must contain an outputs field.`,
    );
  }
  if (!('outputs' in document))
    throw new EvalRunError(`Saved outputs in '${source}' must contain an outputs field.`);
  const outputs = document['outputs'];

  let entries: SavedOutputEntry[];
  if (Array.isArray(outputs)) {
    const parsed = SavedOutputListSchema.safeParse(outputs);
    if (!parsed.success) throw new EvalRunError(listIssueMessage(outputs, parsed.error, source));
    entries = parsed.data as SavedOutputEntry[];
  } else if (isPlainObject(outputs)) {
    // The map form is the common one (100,000 entries in the benchmark): each value is checked
    // once, when the entries are built, with a fast path for plain text.
    entries = Object.entries(outputs).map(([id, output]) => {
      if (id === '')
        throw new EvalRunError(`Saved outputs in '${source}' contain an empty sample id.`);
      return savedEntry(id, output, `in '${source}'`);
    });
  } else {
    throw new EvalRunError(`Saved outputs in '${source}' must contain an outputs object or list.`);
  }

  try {
    return new SavedOutputs(entries);
  } catch (error) {
    if (error instanceof EvalRunError) {
      throw new EvalRunError(`${error.message} Source: '${source}'.`, { cause: error });
    }
    throw error;
  }
}

function parseDocument(contents: string, source: string): unknown {
  const lower = source.toLowerCase();
  if (lower.endsWith('.yml') || lower.endsWith('.yaml')) {
    try {
      return parseYaml(contents);
    } catch (error) {
      throw new EvalRunError(
        `Saved outputs source '${source}' contains invalid YAML: ${reason(error)}.`,
        { cause: error },
      );
    }
  }
  let jsonError: unknown;
  try {
    return JSON.parse(contents);
  } catch (error) {
    jsonError = error;
  }
  if (lower.endsWith('.json')) {
    throw new EvalRunError(
      `Saved outputs source '${source}' contains invalid JSON: ${reason(jsonError)}.`,
      { cause: jsonError },
    );
  }
  try {
    return parseYaml(contents);
  } catch (yamlError) {
    throw new EvalRunError(
      `Saved outputs source '${source}' could not be parsed as JSON or YAML. JSON error: ${reason(jsonError)}. YAML error: ${reason(yamlError)}.`,
      { cause: yamlError },
    );
  }
}

function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n', 1)[0] ?? message).replace(/\.$/, '');
}
