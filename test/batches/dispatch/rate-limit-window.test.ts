import { describe, expect, it } from 'vitest';
import { RateLimitWindow } from '../../../src/batches/index.js';

describe('RateLimitWindow', () => {
  it('lets the first rateLimit dispatches through', () => {
    const window = new RateLimitWindow(3, 60);
    expect(window.nextWaitMicroseconds(1000.0)).toBe(0);
    window.record(1000.0);
    expect(window.nextWaitMicroseconds(1000.1)).toBe(0);
    window.record(1000.1);
    expect(window.nextWaitMicroseconds(1000.2)).toBe(0);
  });

  it('waits until the oldest entry leaves the window', () => {
    const full = new RateLimitWindow(2, 10);
    full.record(100.0);
    full.record(100.5);
    expect(full.nextWaitMicroseconds(101.0)).toBe(9_000_000);
    const expired = new RateLimitWindow(2, 10);
    expired.record(100.0);
    expired.record(105.0);
    expect(expired.nextWaitMicroseconds(110.5)).toBe(0);
  });

  it('validates its arguments', () => {
    expect(() => new RateLimitWindow(0, 60)).toThrow(
      'Rate limit must be greater than or equal to 1.',
    );
    expect(() => new RateLimitWindow(5, 0)).toThrow(
      'Rate window seconds must be greater than or equal to 1.',
    );
  });

  it('prunes in amortised constant time', () => {
    const window = new RateLimitWindow(1000, 5);
    for (let i = 0; i < 5000; i++) window.record(100 + i * 0.0001);
    expect(window.nextWaitMicroseconds(300.0)).toBe(0);
    window.record(300.0);
    expect(window.nextWaitMicroseconds(300.5)).toBe(0);
  });

  it('compacts its storage', () => {
    const steady = new RateLimitWindow(50, 10);
    for (let i = 0; i < 5000; i++) steady.record(i);
    expect(steady.storageLength()).toBeLessThanOrEqual(50 + 256);
    const small = new RateLimitWindow(50, 50);
    for (let t = 0; t < 150; t++) small.record(t);
    expect(small.headIndex()).toBe(100);
    expect(small.storageLength()).toBe(150);
    expect(small.liveCount()).toBe(50);
  });

  it('treats an entry exactly one window old as expired', () => {
    const window = new RateLimitWindow(1, 10);
    window.record(100);
    expect(window.nextWaitMicroseconds(109.5)).toBe(500_000);
    expect(window.nextWaitMicroseconds(110.0)).toBe(0);
  });

  it('never holds more than rateLimit dispatches in any sliding window (property)', () => {
    const limit = 5;
    const seconds = 2;
    const window = new RateLimitWindow(limit, seconds);
    const times: number[] = [];
    let now = 0;
    let seed = 7;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      now += (seed % 1000) / 2000; // 0 to 0.5 s between attempts
      const wait = window.nextWaitMicroseconds(now);
      now += wait / 1e6;
      window.record(now);
      times.push(now);
    }
    for (let i = limit; i < times.length; i++) {
      // The dispatch `limit` places earlier must be at least one full window older.
      expect(times[i]! - times[i - limit]!).toBeGreaterThanOrEqual(seconds - 1e-9);
    }
  });
});
