import { createHash } from 'node:crypto';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from './atomic-write.js';
import { pathInfo } from './path-info.js';

/** Where responses are cached unless `--cache-dir` says otherwise (relative to the working folder). */
export const DEFAULT_CACHE_DIR = '.eval-harness/cache';

/** Bumped when the entry format changes: older entries are then misses, never misread. */
const ENTRY_VERSION = 1;

/**
 * Responses of calls that cost money (judge, embeddings, `http` SUT), kept on disk by a hash of
 * what was asked. Entries are written atomically, so processes sharing the folder never read half
 * an entry; an entry that cannot be read or parsed is a miss, never an error.
 */
export interface ResponseCache {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
}

/** sha256 of the parts in canonical JSON (object keys sorted). */
export function cacheKey(parts: unknown): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function createDiskCache(dir: string): ResponseCache {
  const pathOf = (key: string) => join(dir, key.slice(0, 2), `${key}.json`);
  return {
    async get(key) {
      try {
        const entry: unknown = JSON.parse(await readFile(pathOf(key), 'utf8'));
        if (
          entry !== null &&
          typeof entry === 'object' &&
          (entry as { version?: unknown }).version === ENTRY_VERSION &&
          (entry as { key?: unknown }).key === key
        )
          return (entry as { value: unknown }).value;
      } catch {
        // Missing, unreadable or torn: a miss.
      }
      return undefined;
    },
    async set(key, value) {
      // A cache that cannot be written must not fail the run: the answer is already in hand.
      await writeFileAtomically(
        pathOf(key),
        [JSON.stringify({ version: ENTRY_VERSION, key, value })],
        'cached response',
      ).catch(() => undefined);
    },
  };
}

/**
 * A cached answer's body with its usage replaced by `{ cached: true }`: it is counted as a
 * cached call, and its tokens cost nothing this time.
 */
export function markCached(body: unknown): unknown {
  return body !== null && typeof body === 'object' && !Array.isArray(body)
    ? { ...body, usage: { cached: true } }
    : body;
}

/** Empty the cache folder; returns how many entries were removed. */
export async function clearCache(dir: string): Promise<number> {
  if (!(await pathInfo(dir))?.isDirectory()) return 0;
  let removed = 0;
  for (const shard of await readdir(dir)) {
    const entries = await readdir(join(dir, shard)).catch(() => []);
    removed += entries.filter((name) => name.endsWith('.json')).length;
  }
  await rm(dir, { recursive: true, force: true });
  return removed;
}
