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

/** A whole number of 0 or more, at most `max`: ASCII digits only, one message naming the flag. */
export function parseCountFlag(flag: `--${string}`, value: string, max: number): number {
  const parsed = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed > max)
    throw new UsageError(
      `The ${flag} option must be a whole number from 0 to ${max}; got '${value}'.`,
    );
  return parsed;
}

/** A positive number of seconds (fractions allowed, such as 0.5), one message naming the flag. */
export function parseSecondsFlag(flag: `--${string}`, value: string): number {
  const parsed = /^[0-9]+(\.[0-9]+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new UsageError(
      `The ${flag} option must be a positive number of seconds, such as 30 or 0.5; got '${value}'.`,
    );
  return parsed;
}
