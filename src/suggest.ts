import { closest, distance } from 'fastest-levenshtein';

/**
 * The closest known name when it is near enough to be a typo (`datsets` → `datasets`,
 * `rouge_l` → `rouge-l`), for "did you mean" hints. A leaf: config keys, metric names and pass
 * lines all use it.
 */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const best = closest(key, [...known]);
  const limit = Math.max(2, Math.floor(best.length / 3));
  return distance(key.toLowerCase(), best.toLowerCase()) <= limit ? best : undefined;
}
