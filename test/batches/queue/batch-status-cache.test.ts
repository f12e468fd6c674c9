import { describe, expect, it } from 'vitest';
import { createBatchStatusCache } from '../../../src/batches/queue/batch-status-cache.js';
import type { BatchStatus } from '../../../src/batches/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';

function reader(statuses: Record<string, BatchStatus | undefined>) {
  const reads: string[] = [];
  return {
    reads,
    read: async (batchId: string) => {
      reads.push(batchId);
      if (batchId === 'down') throw new Error('redis down');
      return statuses[batchId];
    },
  };
}

describe('batch status cache (what a worker checks before each job)', () => {
  it('reads an active batch once per second, however many jobs ask', async () => {
    const clock = new FakeClock();
    const { read, reads } = reader({ b1: 'active' });
    const cache = createBatchStatusCache(read, clock);
    const answers = await Promise.all(Array.from({ length: 5 }, () => cache.status('b1')));
    expect(answers).toEqual(['active', 'active', 'active', 'active', 'active']);
    clock.advanceTo(999);
    await cache.status('b1');
    expect(reads).toEqual(['b1']);
    clock.advanceTo(1000);
    await cache.status('b1');
    expect(reads).toEqual(['b1', 'b1']);
  });

  it('answers aborted at once after an abort notice, with no read', async () => {
    const clock = new FakeClock();
    const { read, reads } = reader({ b1: 'active' });
    const cache = createBatchStatusCache(read, clock);
    await cache.status('b1');
    cache.markAborted('b1');
    cache.markAborted('b2');
    expect(await cache.status('b1')).toBe('aborted');
    expect(await cache.status('b2')).toBe('aborted');
    expect(reads).toEqual(['b1']);
  });

  it('keeps a batch that is no longer active, and reads again after a failed read', async () => {
    const clock = new FakeClock();
    const { read, reads } = reader({ done: 'finished' });
    const cache = createBatchStatusCache(read, clock);
    expect(await cache.status('done')).toBe('finished');
    expect(await cache.status('gone')).toBeUndefined();
    clock.advanceTo(60_000);
    expect(await cache.status('done')).toBe('finished');
    expect(await cache.status('gone')).toBeUndefined();
    await expect(cache.status('down')).rejects.toThrow('redis down');
    await expect(cache.status('down')).rejects.toThrow('redis down');
    expect(reads).toEqual(['done', 'gone', 'down', 'down']);
  });
});
