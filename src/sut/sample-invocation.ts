import type { DatasetSample } from '../datasets/index.js';
import { EvalRunError } from '../errors.js';
import { debugType, isPlainObject, type Json } from '../values.js';

/** What the system under test receives for one sample: never the expected output or metadata. */
export interface SampleInvocation {
  readonly id: string;
  readonly input: Readonly<Record<string, Json>>;
  /**
   * Which repeat this call is (0-based) when a run repeats samples (`--repeat`): the n calls of
   * one run are different calls, and a response cache keys on it.
   */
  readonly repeat?: number;
}

/**
 * Build the invocation for a sample, checking that its input can travel in a queue payload.
 * The input is deep-copied and frozen, so a SUT cannot change what
 * metrics later see.
 */
export function createSampleInvocation(
  sample: Pick<DatasetSample, 'id' | 'input'>,
): SampleInvocation {
  const input = copyQueueSafe(sample.input, sample.id, 'input', new Set()) as Record<string, Json>;
  return Object.freeze({ id: sample.id, input });
}

function copyQueueSafe(
  value: unknown,
  sampleId: string,
  path: string,
  ancestors: Set<object>,
): Json {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
      if (!value.isWellFormed()) throw notSerializable(sampleId, `${path} is not valid UTF-8`);
      return value;
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw notSerializable(sampleId, `${path} is ${String(value)}`);
      return value;
    case 'bigint':
      throw notSerializable(sampleId, `${path} is a BigInt`);
  }
  if (Array.isArray(value) || isPlainObject(value)) {
    if (ancestors.has(value)) {
      throw new EvalRunError(
        `SampleInvocation input for sample '${sampleId}' must not contain recursive arrays or objects.`,
      );
    }
    ancestors.add(value);
    let copy: Json;
    if (Array.isArray(value)) {
      copy = value.map((item, i) => copyQueueSafe(item, sampleId, `${path}[${i}]`, ancestors));
    } else {
      const object: Record<string, Json> = {};
      for (const [key, child] of Object.entries(value)) {
        object[key] = copyQueueSafe(child, sampleId, `${path}.${key}`, ancestors);
      }
      copy = object;
    }
    ancestors.delete(value);
    Object.freeze(copy);
    return copy;
  }
  throw new EvalRunError(
    `SampleInvocation value at '${path}' for sample '${sampleId}' must be queue-serializable (scalar, null, or array); got ${debugType(value)}.`,
  );
}

function notSerializable(sampleId: string, reason: string): EvalRunError {
  return new EvalRunError(
    `SampleInvocation input for sample '${sampleId}' must be JSON-serializable for queue payloads: ${reason}.`,
  );
}
