import { EvalRunError } from '../errors.js';
import { debugType, isPlainObject } from '../values.js';

export interface SavedOutputEntry {
  readonly id: string;
  readonly actual_output: string;
}

/**
 * Precomputed SUT outputs keyed by sample id, kept as an ordered entry list so ids that look
 * numeric (`"0"` vs `"00"`) stay distinct.
 */
export class SavedOutputs {
  readonly entries: readonly SavedOutputEntry[];
  private readonly byId: ReadonlyMap<string, string>;

  constructor(entries: unknown) {
    if (!Array.isArray(entries)) {
      throw new EvalRunError(
        'Saved output entries must be a list of entry arrays; use SavedOutputs.fromMap() for keyed maps.',
      );
    }
    const byId = new Map<string, string>();
    const list: SavedOutputEntry[] = [];
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
      byId.set(id, output);
      list.push({ id, actual_output: output });
    });
    this.entries = list;
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
      if (typeof output !== 'string') {
        throw new EvalRunError(
          `Saved output for sample '${id}' in dataset '${datasetName}' must be a string; got ${debugType(output)}.`,
        );
      }
      entries.push({ id, actual_output: output });
    }
    return new SavedOutputs(entries);
  }

  get size(): number {
    return this.entries.length;
  }

  get(id: string): string | undefined {
    return this.byId.get(id);
  }

  ids(): string[] {
    return this.entries.map((entry) => entry.id);
  }
}
