import { describe, expect, it } from 'vitest';
import {
  createProfileResolver,
  effectiveChunkSize,
  providedBatchFlags,
  resolveBatchOptions,
  type BatchFlags,
} from '../../../src/batches/index.js';

const profiles = createProfileResolver({
  'custom-ttl': {
    mode: 'lazy-parallel',
    concurrency: 4,
    queue: 'evals',
    timeoutSeconds: 30,
    waitTimeoutSeconds: 120,
    resultTtlSeconds: 4000,
  },
  full: {
    mode: 'lazy-parallel',
    concurrency: 8,
    queue: 'evals',
    timeoutSeconds: 30,
    waitTimeoutSeconds: 120,
    chunkSize: 8,
    rateLimit: 30,
    rateWindowSeconds: 60,
    checkpointEvery: 25,
    resultTtlSeconds: 4000,
  },
  wide: {
    mode: 'lazy-parallel',
    concurrency: 16,
    queue: 'evals',
    timeoutSeconds: 60,
    waitTimeoutSeconds: 600,
    chunkSize: 16,
  },
  rated: {
    mode: 'lazy-parallel',
    concurrency: 8,
    queue: 'evals',
    timeoutSeconds: 60,
    waitTimeoutSeconds: 600,
    rateLimit: 60,
    rateWindowSeconds: 60,
  },
  plain: {
    mode: 'lazy-parallel',
    concurrency: 4,
    queue: 'evals',
    timeoutSeconds: 60,
    waitTimeoutSeconds: 600,
  },
  nightlyish: {
    mode: 'lazy-parallel',
    concurrency: 8,
    queue: 'evals-nightly',
    timeoutSeconds: 60,
    waitTimeoutSeconds: 600,
    chunkSize: 8,
    rateLimit: 60,
    rateWindowSeconds: 60,
    checkpointEvery: 100,
  },
  defaulted: { mode: 'lazy-parallel', concurrency: 4, queue: 'evals-default' },
  steady: { mode: 'lazy-parallel', concurrency: 8, dispatch: 'windowed' },
});
const capture = (flags: BatchFlags) => resolveBatchOptions(flags, profiles).options;

describe('resolveBatchOptions', () => {
  it('applies a profile and lets explicit flags win', () => {
    expect(capture({ 'batch-profile': 'custom-ttl' })).toMatchObject({
      mode: 'lazy-parallel',
      concurrency: 4,
      queue: 'evals',
      timeoutSeconds: 30,
      waitTimeoutSeconds: 120,
      resultTtlSeconds: 4000,
    });
    expect(
      capture({ 'batch-profile': 'custom-ttl', queue: 'evals-override', timeout: '90' }),
    ).toMatchObject({
      queue: 'evals-override',
      timeoutSeconds: 90,
      concurrency: 4,
      waitTimeoutSeconds: 120,
      resultTtlSeconds: 4000,
    });
    expect(resolveBatchOptions({ 'batch-profile': 'custom-ttl' }, profiles).profile?.name).toBe(
      'custom-ttl',
    );
  });

  it('treats empty flags as absent', () => {
    const empty = {
      'chunk-size': '',
      'rate-limit': '',
      'rate-window-seconds': '',
      'checkpoint-every': '',
    };
    expect(capture({ 'batch-profile': 'full', ...empty })).toMatchObject({
      chunkSize: 8,
      rateLimit: 30,
      rateWindowSeconds: 60,
      checkpointEvery: 25,
    });
    expect(
      capture({ batch: 'lazy-parallel', concurrency: '4', queue: 'evals', ...empty }),
    ).toMatchObject({
      chunkSize: null,
      rateLimit: null,
      rateWindowSeconds: null,
      checkpointEvery: null,
    });
  });

  it('clears with none / null in any case', () => {
    expect(
      capture({ 'batch-profile': 'custom-ttl', 'result-ttl-seconds': '7200' }).resultTtlSeconds,
    ).toBe(7200);
    expect(
      capture({ 'batch-profile': 'custom-ttl', 'result-ttl-seconds': 'none' }).resultTtlSeconds,
    ).toBeNull();
    expect(capture({ 'batch-profile': 'rated', 'rate-limit': 'none' })).toMatchObject({
      rateLimit: null,
      rateWindowSeconds: null,
      concurrency: 8,
      timeoutSeconds: 60,
    });
    expect(
      capture({ 'batch-profile': 'plain', timeout: 'none', 'batch-timeout': 'NULL' }),
    ).toMatchObject({
      timeoutSeconds: null,
      waitTimeoutSeconds: null,
      concurrency: 4,
      queue: 'evals',
    });
    expect(
      capture({
        'batch-profile': 'nightlyish',
        'rate-limit': 'none',
        'rate-window-seconds': 'none',
        'checkpoint-every': 'NONE',
      }),
    ).toMatchObject({
      rateLimit: null,
      rateWindowSeconds: null,
      checkpointEvery: null,
      concurrency: 8,
      queue: 'evals-nightly',
      timeoutSeconds: 60,
      chunkSize: 8,
    });
  });

  it('caps an inherited chunk size at an explicit concurrency', () => {
    expect(capture({ 'batch-profile': 'wide', concurrency: '8' })).toMatchObject({
      concurrency: 8,
      chunkSize: 8,
    });
    expect(() =>
      capture({ 'batch-profile': 'wide', concurrency: '8', 'chunk-size': '12' }),
    ).toThrow('Batch chunk size (12) cannot exceed concurrency');
  });

  it('does not reconcile explicit against explicit', () => {
    expect(() =>
      capture({
        batch: 'lazy-parallel',
        concurrency: '4',
        'rate-limit': 'none',
        'rate-window-seconds': '30',
      }),
    ).toThrow('Batch rate window seconds is only meaningful with a rate limit');
  });

  it('keeps --queue=none literal', () => {
    expect(capture({ 'batch-profile': 'defaulted', queue: 'none' }).queue).toBe('none');
  });

  it('drops inherited lazy fields when the mode is serial', () => {
    expect(capture({ 'batch-profile': 'custom-ttl', batch: 'serial' })).toMatchObject({
      mode: 'serial',
      concurrency: 1,
      queue: null,
      timeoutSeconds: null,
      waitTimeoutSeconds: null,
      resultTtlSeconds: null,
    });
    expect(() => capture({ 'batch-profile': 'ci', batch: 'serial', concurrency: '4' })).toThrow(
      'Serial batch mode requires concurrency 1',
    );
  });

  it('clears a chunk size to the concurrency window', () => {
    const options = capture({ 'batch-profile': 'nightly', 'chunk-size': 'none' });
    expect(options.chunkSize).toBeNull();
    expect(effectiveChunkSize(options)).toBe(16);
  });

  it.each([['none'], ['-3'], ['abc'], ['0'], ['1.5'], [' 4'], ['99999999999999999999']])(
    'rejects --concurrency=%s',
    (value) => {
      expect(() => capture({ concurrency: value })).toThrow(
        'The --concurrency option must be a positive integer.',
      );
    },
  );

  it('accepts leading zeros and rejects bad numeric flags before mode checks', () => {
    expect(capture({ batch: 'lazy-parallel', concurrency: '008' }).concurrency).toBe(8);
    expect(() => capture({ batch: 'lazy-parallel', 'rate-limit': '-3' })).toThrow(
      'The --rate-limit option must be a positive integer.',
    );
    expect(() => capture({ batch: 'lazy-parallel', 'checkpoint-every': 'abc' })).toThrow(
      'The --checkpoint-every option must be a positive integer.',
    );
  });

  it('keeps explicit lazy values in serial mode so they fail', () => {
    expect(() => capture({ 'rate-limit': '5' })).toThrow(
      /Serial batch mode does not use a rate limit\. Choose --batch=concurrent/,
    );
    expect(() => capture({ batch: 'serial', concurrency: '2' })).toThrow(
      'Serial batch mode requires concurrency 1',
    );
    expect(() => capture({ timeout: '30' })).toThrow('does not use a timeout');
  });

  it('selects concurrent mode when --concurrency above 1 comes with no mode from a flag or profile', () => {
    expect(capture({ concurrency: '8' })).toMatchObject({ mode: 'concurrent', concurrency: 8 });
    expect(capture({ concurrency: '1' }).mode).toBe('serial');
    // A profile's mode wins: nightly stays lazy-parallel with 8 in flight.
    expect(capture({ 'batch-profile': 'nightly', concurrency: '8' }).mode).toBe('lazy-parallel');
    expect(() => capture({ 'batch-timeout': '30' })).toThrow('does not use a wait timeout');
  });

  it('rejects an empty profile name and unknown profiles', () => {
    expect(() => capture({ 'batch-profile': '' })).toThrow(
      '--batch-profile option requires a non-empty profile name',
    );
    expect(() => capture({ 'batch-profile': 'release' })).toThrow(
      "Unknown batch profile 'release'",
    );
  });

  it('names the flags that set the values at fault', () => {
    expect(() => capture({ batch: 'concurrent', queue: 'evals' })).toThrow(
      'Concurrent batch mode does not use a queue name (queues are for lazy-parallel mode) (set by --queue).',
    );
    expect(() => capture({ batch: 'concurrent', concurrency: '2', 'chunk-size': '5' })).toThrow(
      'the chunk size can only narrow the dispatch window (set by --chunk-size and --concurrency).',
    );
  });

  it('names the --batch flag for an unsupported mode', () => {
    expect(() => capture({ batch: 'parallel' })).toThrow(
      "Unsupported batch mode 'parallel' (--batch). Supported modes: serial, concurrent, lazy-parallel.",
    );
  });

  it('runs a lazy profile as concurrent, dropping queue-only fields', () => {
    const options = capture({ 'batch-profile': 'custom-ttl', batch: 'concurrent' });
    expect(options).toMatchObject({
      mode: 'concurrent',
      concurrency: 4,
      queue: null,
      resultTtlSeconds: null,
      timeoutSeconds: 30,
    });
    expect(() => capture({ batch: 'concurrent', queue: 'evals' })).toThrow(
      'Concurrent batch mode does not use a queue name',
    );
  });

  it('serial defaults with empty flags', () => {
    expect(capture({ concurrency: '', timeout: '', 'batch-timeout': '' }).mode).toBe('serial');
  });

  it('lists provided flags in the fixed order', () => {
    expect(
      providedBatchFlags({ 'rate-limit': 'abc', batch: 'serial', 'batch-profile': '' }),
    ).toEqual(['batch', 'batch-profile', 'rate-limit']);
  });

  it('takes --dispatch, lets it win over the profile, and clears it with none', () => {
    expect(capture({ batch: 'concurrent', concurrency: '4' }).dispatch).toBeNull();
    expect(capture({ batch: 'concurrent', dispatch: 'windowed' }).dispatch).toBe('windowed');
    expect(capture({ 'batch-profile': 'steady' }).dispatch).toBe('windowed');
    expect(capture({ 'batch-profile': 'steady', dispatch: 'rolling' }).dispatch).toBe('rolling');
    expect(capture({ 'batch-profile': 'steady', dispatch: 'NONE' }).dispatch).toBeNull();
    expect(capture({ 'batch-profile': 'steady', dispatch: '' }).dispatch).toBe('windowed');
    // A profile's dispatch is dropped silently when the run is serial, like its other fields.
    expect(capture({ 'batch-profile': 'steady', batch: 'serial' }).dispatch).toBeNull();
  });

  it('names the --dispatch flag for a bad value, and the fix for serial mode', () => {
    expect(() => capture({ batch: 'concurrent', dispatch: 'sliding' })).toThrow(
      "Unsupported batch dispatch 'sliding' (--dispatch); expected one of: rolling, windowed, or none to clear a profile value.",
    );
    expect(() => capture({ dispatch: 'windowed' })).toThrow(
      /^Serial batch mode does not use a dispatch strategy\. Choose --batch=concurrent/,
    );
  });
});
