import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheKey, clearCache, createDiskCache, markCached } from '../src/response-cache.js';

describe('the response cache', () => {
  it('keys on content, whatever the order of object keys', () => {
    expect(cacheKey({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(
      cacheKey({ b: { d: 'x', c: [1, 2] }, a: 1 }),
    );
    expect(cacheKey({ a: 1, repeat: 0 })).not.toBe(cacheKey({ a: 1, repeat: 1 }));
  });

  it('returns what was stored, and reads torn or foreign entries as misses', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eval-harness-cache-'));
    const cache = createDiskCache(dir);
    const key = cacheKey({ q: 'x' });
    expect(await cache.get(key)).toBeUndefined();
    await cache.set(key, { choices: [1] });
    expect(await cache.get(key)).toEqual({ choices: [1] });
    const [shard] = await readdir(dir);
    await writeFile(join(dir, shard as string, `${key}.json`), '{torn');
    expect(await cache.get(key)).toBeUndefined();
    await writeFile(
      join(dir, shard as string, `${key}.json`),
      JSON.stringify({ version: 0, key, value: 'old format' }),
    );
    expect(await cache.get(key)).toBeUndefined();
    await cache.set(cacheKey({ q: 'y' }), 1);
    expect(await clearCache(dir)).toBe(2);
    expect(await clearCache(dir)).toBe(0);
  });

  it('marks a cached body so its usage counts as a cached call', () => {
    expect(markCached({ choices: [], usage: { prompt_tokens: 9 } })).toEqual({
      choices: [],
      usage: { cached: true },
    });
  });
});
