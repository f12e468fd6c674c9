import { MetricError } from '../errors.js';
import { asciiTrim } from '../values.js';

const WORD = /[\p{L}\p{N}]+/gu;

/** Lowercase, then maximal runs of Unicode letters or digits. */
export function tokenizeWords(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/** ASCII-trim, lowercase, collapse every run of Unicode whitespace to one space. */
export function normalizeQuote(text: string): string {
  return asciiTrim(text).toLowerCase().replace(/\s+/gu, ' ');
}

/**
 * JS strings cannot hold invalid UTF-8, but can hold lone surrogates; those count as the
 * invalid text, which is rejected (docs/DECISIONS.md, invalid UTF-8).
 */
export function requireWellFormed(
  text: string,
  sampleId: string,
  field: string,
  metric: string,
): void {
  if (!text.isWellFormed()) {
    throw new MetricError(
      `Sample '${sampleId}' ${field} must be valid UTF-8 for ${metric} metric.`,
    );
  }
}
