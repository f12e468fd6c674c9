import { UsageError } from './errors.js';

/**
 * A flag value that must be a whole number of at least 1: ASCII digits only (leading zeros are
 * fine), so `1.5`, `-1`, `1e3` and `abc` are refused with one message naming the flag.
 */
export function parsePositiveIntFlag(flag: `--${string}`, value: string): number {
  const parsed = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 1)
    throw new UsageError(`The ${flag} option must be a positive integer.`);
  return parsed;
}
