import { describe, expect, it } from 'vitest';
import {
  CheckpointTracker,
  callSafely,
  combineReporters,
  type BatchTerminalProgressReporter,
} from '../../../src/batches/index.js';

describe('CheckpointTracker', () => {
  const track = (every: number | null, total: number) => {
    const emitted: number[] = [];
    return { tracker: new CheckpointTracker(every, total, (n) => emitted.push(n)), emitted };
  };

  it('emits one event per crossed multiple, even in one jump', () => {
    const { tracker, emitted } = track(3, 10);
    tracker.advance(10);
    tracker.finishSuccess(10);
    expect(emitted).toEqual([3, 6, 9, 10]);
  });

  it('adds no final event when the total is a multiple; counts floor(N/k) + (N % k ? 1 : 0)', () => {
    for (const [every, total] of [
      [5, 20],
      [7, 20],
      [25, 2],
    ] as const) {
      const { tracker, emitted } = track(every, total);
      for (let done = 1; done <= total; done++) tracker.advance(done);
      tracker.finishSuccess(total);
      expect(emitted).toHaveLength(Math.floor(total / every) + (total % every ? 1 : 0));
      expect(emitted.at(-1)).toBe(total);
    }
  });

  it('always forces one event on failure, and nothing without an interval', () => {
    const { tracker, emitted } = track(4, 4);
    tracker.advance(4);
    tracker.finishFailure(4);
    expect(emitted).toEqual([4, 4]);
    const none = track(null, 4);
    none.tracker.advance(4);
    none.tracker.finishSuccess(4);
    none.tracker.finishFailure(2);
    expect(none.emitted).toEqual([]);
  });
});

describe('reporters', () => {
  it('swallows throws and rejections', async () => {
    expect(() =>
      callSafely(() => {
        throw new Error('x');
      }),
    ).not.toThrow();
    callSafely(() => Promise.reject(new Error('async x')));
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('fans out and sends terminal events only to terminal reporters', () => {
    const events: string[] = [];
    const terminal: BatchTerminalProgressReporter = {
      reportCheckpoint: (_b, n) => events.push(`c${n}`),
      reportTerminal: (_b, n, _t, status) => events.push(`c-${status}-${n}`),
    };
    const combined = combineReporters([
      { reportCheckpoint: (_b, n) => events.push(`a${n}`) },
      {
        reportCheckpoint: () => {
          throw new Error('broken');
        },
      },
      terminal,
    ]);
    combined.reportCheckpoint('b', 5, 10);
    combined.reportTerminal('b', 10, 10, 'success');
    expect(events).toEqual(['a5', 'c5', 'c-success-10']);
  });
});
