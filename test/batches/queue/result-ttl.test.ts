import { describe, expect, it } from 'vitest';
import { dispatchTtlSeconds, runTtlSeconds } from '../../../src/batches/index.js';

describe('result TTLs', () => {
  const run = (
    samples: number,
    chunkSize: number,
    waitSeconds: number,
    timeoutSeconds: number | null,
    resultTtlSeconds: number | null = null,
    floorSeconds = 3600,
  ) =>
    runTtlSeconds({
      samples,
      chunkSize,
      waitSeconds,
      timeoutSeconds,
      floorSeconds,
      resultTtlSeconds,
    });

  it('keeps results long enough for every window to use its budget', () => {
    expect(run(2, 2, 60, 5)).toBe(3600);
    expect(run(100, 4, 120, 30)).toBe(3600);
    expect(run(1000, 4, 120, 30)).toBe(30_000);
    expect(run(1000, 16, 600, 120)).toBe(37_800);
    expect(run(0, 16, 600, 120)).toBe(3600);
    expect(run(2, 2, 60, 5, 9000)).toBe(9000);
  });

  const dispatch = (
    samples: number,
    concurrency: number,
    timeoutSeconds: number | null,
    resultTtlSeconds: number | null = null,
  ) =>
    dispatchTtlSeconds({
      samples,
      concurrency,
      timeoutSeconds,
      floorSeconds: 10,
      resultTtlSeconds,
    });

  it('estimates drain time by concurrency for dispatch()', () => {
    expect(dispatch(2, 3, 45)).toBe(45);
    expect(dispatch(2, 1, 30)).toBe(60);
    expect(dispatch(3, 1, 300)).toBe(900);
    expect(dispatch(2, 1, null, 300)).toBe(300);
    expect(dispatch(100, 1, null)).toBe(6000);
    expect(dispatch(10, 10, 60)).toBe(60);
  });
});
