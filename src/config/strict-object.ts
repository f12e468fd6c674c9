import { suggestKey } from '../suggest.js';
import * as z from 'zod';

/**
 * A strict object schema whose unknown-key message names the nearest known key, so a typo such
 * as `datsets` reads "did you mean "datasets"?".
 */
export function strictObject<T extends z.ZodRawShape>(shape: T) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? unknownKeyMessage(issue.keys, known) : undefined,
  });
}

export function unknownKeyMessage(keys: readonly string[], known: readonly string[]): string {
  return keys
    .map((key) => {
      const suggestion = suggestKey(key, known);
      return `unknown key "${key}"${suggestion === undefined ? ` (known keys: ${known.join(', ')})` : ` (did you mean "${suggestion}"?)`}`;
    })
    .join('; ');
}

export { suggestKey };
