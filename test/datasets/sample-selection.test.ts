import { describe, expect, it } from 'vitest';
import {
  checkSelection,
  createSample,
  selectSamples,
  shardOf,
  type DatasetSample,
} from '../../src/datasets/index.js';

const samples: DatasetSample[] = Array.from({ length: 200 }, (_, i) =>
  createSample({
    id: `case-${i}`,
    input: { n: i },
    expectedOutput: 'x',
    metadata: { tags: i % 3 === 0 ? ['billing'] : i % 3 === 1 ? ['shipping'] : [] },
  }),
);
const ids = (kept: readonly DatasetSample[]) => kept.map((sample) => sample.id);

describe('sample selection', () => {
  it('splits a dataset into shards that cover every sample exactly once, the same way each time', () => {
    const shards = [1, 2, 3, 4].map((index) =>
      ids(selectSamples(samples, { shard: { index, count: 4 } })),
    );
    expect(shards.flat().sort()).toEqual(ids(samples).sort());
    expect(new Set(shards.flat()).size).toBe(samples.length);
    // Every shard gets a fair share, and an id's shard depends on the id alone.
    for (const shard of shards) expect(shard.length).toBeGreaterThan(30);
    expect(shardOf('case-7', 4)).toBe(shardOf('case-7', 4));
    expect(ids(selectSamples(samples.slice(0, 10), { shard: { index: 1, count: 4 } }))).toEqual(
      shards[0]?.filter((id) => ids(samples.slice(0, 10)).includes(id)),
    );
  });

  it('picks a reproducible random sample by seed, in dataset order', () => {
    const pick = (seed: number) => ids(selectSamples(samples, { sample: { count: 10, seed } }));
    expect(pick(7)).toEqual(pick(7));
    expect(pick(7)).not.toEqual(pick(8));
    expect(pick(7)).toHaveLength(10);
    const order = pick(7).map((id) => Number(id.slice(5)));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(selectSamples(samples.slice(0, 3), { sample: { count: 10, seed: 1 } })).toHaveLength(3);
  });

  it('filters by earlier failures, tags and id before taking the first n', () => {
    const failing = { source: 'r.json', ids: new Set(['case-0', 'case-1', 'case-3', 'case-6']) };
    expect(ids(selectSamples(samples, { failing }))).toEqual([
      'case-0',
      'case-1',
      'case-3',
      'case-6',
    ]);
    expect(ids(selectSamples(samples, { failing, tags: ['billing'] }))).toEqual([
      'case-0',
      'case-3',
      'case-6',
    ]);
    expect(
      ids(
        selectSamples(samples, {
          tags: ['billing', 'shipping'],
          idPattern: '^case-1\\d$',
          limit: 3,
        }),
      ),
    ).toEqual(['case-10', 'case-12', 'case-13']);
  });

  it('refuses values no selection can take, naming the flag', () => {
    expect(() => checkSelection({ shard: { index: 5, count: 4 } })).toThrow('--shard');
    expect(() => checkSelection({ sample: { count: 0, seed: 1 } })).toThrow('--sample');
    expect(() => checkSelection({ limit: 1.5 })).toThrow('--limit');
    expect(() => checkSelection({ idPattern: '[' })).toThrow('--filter-id');
  });
});
