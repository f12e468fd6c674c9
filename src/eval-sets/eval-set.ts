import { EvalRunError } from '../errors.js';
import { debugType, isPlainObject } from '../values.js';

export const EVAL_SET_SCHEMA_V1 = 'eval-harness.eval-set.v1';

/** An ordered list of datasets run as one release gate. */
export interface EvalSetDefinition {
  readonly schemaVersion: string;
  readonly name: string;
  readonly datasetNames: readonly string[];
}

/** Names are exact identifiers: never trimmed, so `"1"` and `"01"` differ and padding is an error. */
export function createEvalSet(
  name: unknown,
  datasetNames: unknown,
  schemaVersion: string = EVAL_SET_SCHEMA_V1,
): EvalSetDefinition {
  if (typeof name !== 'string' || name === '' || name.trim() !== name) {
    throw new EvalRunError(
      'Eval set name must be a non-empty string without leading or trailing whitespace.',
    );
  }
  if (schemaVersion !== EVAL_SET_SCHEMA_V1) {
    throw new EvalRunError(
      `Eval set '${name}' uses unsupported schema version '${schemaVersion}'. Supported version: ${EVAL_SET_SCHEMA_V1}.`,
    );
  }
  if (!Array.isArray(datasetNames))
    throw new EvalRunError(`Eval set '${name}' datasets must be a zero-based list.`);
  if (datasetNames.length === 0)
    throw new EvalRunError(`Eval set '${name}' must contain at least one dataset.`);
  const seen = new Set<string>();
  datasetNames.forEach((dataset: unknown, index) => {
    if (typeof dataset !== 'string')
      throw new EvalRunError(
        `Eval set '${name}' dataset name at index ${index} must be a string; got ${debugType(dataset)}.`,
      );
    if (dataset === '' || dataset.trim() !== dataset) {
      throw new EvalRunError(
        `Eval set '${name}' dataset name at index ${index} must be a non-empty string without leading or trailing whitespace.`,
      );
    }
    if (seen.has(dataset))
      throw new EvalRunError(`Eval set '${name}' contains duplicate dataset '${dataset}'.`);
    seen.add(dataset);
  });
  return Object.freeze({
    schemaVersion,
    name,
    datasetNames: Object.freeze([...(datasetNames as string[])]),
  });
}

export function evalSetToJson(definition: EvalSetDefinition): Record<string, unknown> {
  return {
    schema_version: definition.schemaVersion,
    name: definition.name,
    datasets: [...definition.datasetNames],
  };
}

export function evalSetFromJson(json: unknown): EvalSetDefinition {
  if (
    !isPlainObject(json) ||
    typeof json['schema_version'] !== 'string' ||
    typeof json['name'] !== 'string' ||
    !Array.isArray(json['datasets'])
  ) {
    throw new EvalRunError(
      'Eval set definition requires schema_version, name, and datasets fields.',
    );
  }
  return createEvalSet(json['name'], json['datasets'], json['schema_version']);
}
