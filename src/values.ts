/**
 * Small value helpers shared by every domain. A leaf: imports nothing.
 */

/** A JSON value as the harness passes it around. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * What a value is, in JavaScript terms for error messages: `null`, `a number (42)`, `a string`,
 * `a boolean (true)`, `a list`, `an object`, or `a Map` for a class instance. Numbers and
 * booleans show their value, since "got a number" alone rarely tells which field went wrong.
 */
export function debugType(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  switch (typeof value) {
    case 'boolean':
      return `a boolean (${String(value)})`;
    case 'number':
    case 'bigint':
      return `a number (${String(value)})`;
    case 'string':
      return 'a string';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
  }
  if (Array.isArray(value)) return 'a list';
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  if (proto === null || proto === Object.prototype) return 'an object';
  const name = proto.constructor?.name;
  return name === undefined || name === '' || name === 'Object' ? 'an object' : `a ${name}`;
}

/** A plain object (a JSON / YAML map), not an array, class instance or null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === null || proto === Object.prototype;
}

const ASCII_WS = ' \t\n\r\0\x0B';

/** Strip only ASCII space, tab, newlines, NUL and vertical tab from both ends (PHP `trim`). */
export function asciiTrim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && ASCII_WS.includes(text[start] as string)) start++;
  while (end > start && ASCII_WS.includes(text[end - 1] as string)) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

const NUMERIC_STRING = /^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$/;

/**
 * Parse a number or a PHP-style numeric string (`"0.8"`, `" 1e-1 "`). Booleans, null and other
 * strings give `undefined`. Non-finite results are returned as they are; callers check range.
 */
export function parseNumeric(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && NUMERIC_STRING.test(value)) return Number(value.trim());
  return undefined;
}

/** `n` with `s` appended when it is not 1: `pluralize(2, 'sample')` is `2 samples`. */
export function pluralize(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** JSON encoding with the spec's behaviour for strings that are not well-formed UTF-16. */
export function findIllFormedString(value: unknown, path = '$'): string | undefined {
  if (typeof value === 'string') return value.isWellFormed() ? undefined : path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findIllFormedString(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (!key.isWellFormed()) return `${path}.${key.toWellFormed()}`;
      const found = findIllFormedString(child, `${path}.${key}`);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** `1 second`, `5 seconds`. */
export function formatSeconds(value: number): string {
  return value === 1 ? '1 second' : `${value} seconds`;
}

/** At most 20 ids, so a one-line error stays one readable line. */
export function listIds(ids: readonly string[]): string {
  const shown = ids.slice(0, 20).join(', ');
  return ids.length > 20 ? `${shown} (and ${ids.length - 20} more)` : shown;
}

/** A non-negative integer, or an all-digit string within the safe integer range. */
export function tokenCount(value: unknown): number | undefined {
  if (typeof value === 'number')
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === 'string' && /^\d+$/.test(value)) {
    const parsed = Number(value);
    return Number.isSafeInteger(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** A finite number >= 0, from a number or a numeric string. */
export function nonNegativeFinite(value: unknown): number | undefined {
  const parsed = parseNumeric(value);
  return parsed !== undefined && Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined;
}
