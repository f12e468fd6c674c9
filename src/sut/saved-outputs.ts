import { EvalRunError } from '../errors.js';
import { debugType, isPlainObject } from '../values.js';
import {
  answerFromParts,
  type RetrievedItem,
  type SutAnswer,
  type SutUsage,
  type TrajectoryStep,
} from './sut-answer.js';

/** One saved output: the sample id, the answer text, and what the SUT reported besides it. */
export type SavedOutputEntry = { readonly id: string; readonly actual_output: string } & Omit<
  SutAnswer,
  'output'
>;

/**
 * Precomputed SUT outputs keyed by sample id, kept as an ordered entry list so ids that look
 * numeric (`"0"` vs `"00"`) stay distinct.
 */
export class SavedOutputs {
  /** One answer per id, in the order they were saved: the only copy kept (a million are read). */
  private readonly byId: ReadonlyMap<string, SutAnswer>;

  constructor(entries: unknown) {
    if (!Array.isArray(entries)) {
      throw new EvalRunError(
        'Saved output entries must be a list of entry arrays; use SavedOutputs.fromMap() for keyed maps.',
      );
    }
    const byId = new Map<string, SutAnswer>();
    entries.forEach((entry: unknown, index) => {
      if (!isPlainObject(entry))
        throw new EvalRunError(`Saved output entry at index ${index} must be an array.`);
      const id = entry['id'];
      if (typeof id !== 'string')
        throw new EvalRunError(`Saved output entry at index ${index} must contain a string id.`);
      if (id === '')
        throw new EvalRunError(`Saved output entry at index ${index} contains an empty sample id.`);
      const output = entry['actual_output'];
      if (typeof output !== 'string') {
        throw new EvalRunError(
          `Saved output entry for sample '${id}' at index ${index} must contain a string actual_output.`,
        );
      }
      if (byId.has(id)) throw new EvalRunError(`Duplicate saved output for sample '${id}'.`);
      const checked = answerFromParts(output, entry);
      if ('problem' in checked)
        throw new EvalRunError(
          `Saved output for sample '${id}'${checked.problem.replace(/^returned an object whose /, ': ')}.`,
        );
      byId.set(id, checked.answer);
    });
    this.byId = byId;
  }

  /** From a `{ sampleId: output }` map (keys are kept verbatim). */
  static fromMap(map: Record<string, unknown>, datasetName = 'dataset'): SavedOutputs {
    const entries: SavedOutputEntry[] = [];
    for (const [id, output] of Object.entries(map)) {
      if (id === '')
        throw new EvalRunError(
          `Saved outputs for dataset '${datasetName}' contain an empty sample id.`,
        );
      entries.push(savedEntry(id, output, `in dataset '${datasetName}'`));
    }
    return new SavedOutputs(entries);
  }

  /** The saved entries, in order, built on request (selecting part of a run filters them). */
  get entries(): readonly SavedOutputEntry[] {
    return Array.from(this.byId, ([id, answer]) => ({ id, ...savedFields(answer) }));
  }

  get size(): number {
    return this.byId.size;
  }

  /** The output text saved for a sample. */
  get(id: string): string | undefined {
    return this.byId.get(id)?.output;
  }

  /** The whole saved answer of a sample: text, and retrieval and trajectory when saved. */
  answer(id: string): SutAnswer | undefined {
    return this.byId.get(id);
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }
}

function savedFields(answer: SutAnswer): Omit<SavedOutputEntry, 'id'> {
  return {
    actual_output: answer.output,
    ...(answer.retrieved === undefined ? {} : { retrieved: answer.retrieved }),
    ...(answer.trajectory === undefined ? {} : { trajectory: answer.trajectory }),
    ...(answer.usage === undefined ? {} : { usage: answer.usage }),
  };
}

/**
 * One value of an `{ id: value }` outputs map: the output text, or `{ output, retrieved?,
 * trajectory? }` as a SUT returns it. The parts are checked when the entries are built.
 */
export function savedEntry(id: string, value: unknown, where: string): SavedOutputEntry {
  if (typeof value === 'string') return { id, actual_output: value };
  if (isPlainObject(value) && typeof value['output'] === 'string') {
    const { output, retrieved, trajectory, usage } = value;
    return {
      id,
      actual_output: output,
      ...(retrieved === undefined ? {} : { retrieved: retrieved as RetrievedItem[] }),
      ...(trajectory === undefined ? {} : { trajectory: trajectory as TrajectoryStep[] }),
      ...(usage === undefined ? {} : { usage: usage as SutUsage }),
    };
  }
  throw new EvalRunError(
    `Saved output for sample '${id}' ${where} must be a string or an object { output, retrieved?, trajectory?, usage? }; got ${debugType(value)}.`,
  );
}
