/**
 * Lenient readers for environment values. Pure functions: a value that
 * does not parse gives the default instead of a surprise.
 */

/** `1/true/on/yes` and `0/false/off/no` (any case); anything else is the default. */
export function normalizeBoolean(value: unknown, fallback: boolean): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : fallback;
  if (typeof value !== 'string') return fallback;
  const text = value.trim().toLowerCase();
  if (['1', 'true', 'on', 'yes'].includes(text)) return true;
  if (['0', 'false', 'off', 'no'].includes(text)) return false;
  return fallback;
}

/** An integer >= 0 (digit strings and floats are floored); anything else is the default. */
export function normalizeNonNegativeInt(value: unknown, fallback: number): number {
  const safeDefault = Math.max(fallback, 0);
  if (value === null || value === undefined) return safeDefault;
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 && value <= Number.MAX_SAFE_INTEGER
      ? Math.floor(value)
      : safeDefault;
  }
  if (typeof value !== 'string') return safeDefault;
  const text = value.trim();
  if (text === '') return safeDefault;
  if (/^\d+$/.test(text)) {
    const parsed = Number(text.replace(/^0+(?=\d)/, ''));
    // No silent saturation: an out-of-range digit string is not a number we can trust.
    return Number.isSafeInteger(parsed) ? parsed : safeDefault;
  }
  if (/^[+-]?\d+$/.test(text)) {
    const parsed = Number(text);
    return Number.isSafeInteger(parsed) && parsed >= 0 ? parsed : safeDefault;
  }
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    const parsed = Number(text);
    return Number.isFinite(parsed) && parsed >= 0 && parsed <= Number.MAX_SAFE_INTEGER
      ? Math.floor(parsed)
      : safeDefault;
  }
  return safeDefault;
}

/** Largest timeout that setTimeout can hold, in whole seconds. */
const MAX_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** A positive whole number of seconds; never 0, which would mean "wait forever". */
export function normalizeTimeout(value: unknown, fallback: number): number {
  const safeDefault = fallback >= 1 ? Math.floor(fallback) : 1;
  const accept = (n: number): number =>
    Number.isFinite(n) && n >= 1 && n <= MAX_TIMEOUT_SECONDS ? Math.floor(n) : safeDefault;
  if (typeof value === 'number') return accept(value);
  if (typeof value !== 'string') return safeDefault;
  const text = value.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return safeDefault;
  return accept(Number(text));
}
