import { describe, expect, it } from 'vitest';
import {
  createBatchOptions,
  effectiveChunkSize,
  effectiveDispatch,
  serialBatchOptions,
} from '../../../src/batches/index.js';
import { EvalRunError } from '../../../src/errors.js';

const lazy = (options: Record<string, unknown> = {}) =>
  createBatchOptions({ mode: 'lazy-parallel', ...options });

describe('BatchOptions', () => {
  it('defaults to serial', () => {
    const options = serialBatchOptions();
    expect(options).toEqual({
      mode: 'serial',
      concurrency: 1,
      queue: null,
      timeoutSeconds: null,
      waitTimeoutSeconds: null,
      resultTtlSeconds: null,
      chunkSize: null,
      rateLimit: null,
      rateWindowSeconds: null,
      checkpointEvery: null,
      dispatch: null,
    });
    expect(effectiveChunkSize(options)).toBe(1);
    expect(effectiveDispatch(options)).toBeNull();
    expect(Object.isFrozen(options)).toBe(true);
  });

  it('echoes lazy-parallel values and trims the queue', () => {
    expect(
      lazy({
        concurrency: 4,
        queue: 'evals',
        timeoutSeconds: 30,
        waitTimeoutSeconds: 300,
        resultTtlSeconds: 900,
      }),
    ).toMatchObject({
      mode: 'lazy-parallel',
      concurrency: 4,
      queue: 'evals',
      timeoutSeconds: 30,
      waitTimeoutSeconds: 300,
      resultTtlSeconds: 900,
    });
    expect(lazy({ queue: ' evals ' }).queue).toBe('evals');
    expect(() => lazy({ queue: '   ' })).toThrow('Batch queue name');
  });

  it('rejects unknown modes', () => {
    expect(() => createBatchOptions({ mode: 'parallel' })).toThrow(EvalRunError);
    expect(() => createBatchOptions({ mode: 'parallel' })).toThrow(
      "Unsupported batch mode 'parallel'. Supported modes: serial, concurrent, lazy-parallel.",
    );
  });

  it.each([
    [{ concurrency: 2 }, 'Serial batch mode requires concurrency 1'],
    [{ queue: 'evals' }, 'does not use a queue name'],
    [{ timeoutSeconds: 30 }, 'does not use a timeout'],
    [{ waitTimeoutSeconds: 30 }, 'does not use a wait timeout'],
    [{ resultTtlSeconds: 60 }, 'does not use a result TTL'],
    [{ chunkSize: 1 }, 'Serial batch mode does not use a chunk size.'],
    [{ rateLimit: 1 }, 'Serial batch mode does not use a rate limit.'],
    [{ rateWindowSeconds: 30 }, 'Serial batch mode does not use a rate window.'],
    [{ checkpointEvery: 10 }, 'Serial batch mode does not use a checkpoint interval.'],
  ])('serial rejects %j', (fields, fragment) => {
    expect(() => createBatchOptions({ mode: 'serial', ...fields })).toThrow(fragment);
  });

  it.each([
    [{ timeoutSeconds: 0 }, 'Queued sample timeout'],
    [{ waitTimeoutSeconds: 0 }, 'Batch wait timeout'],
    [{ resultTtlSeconds: 0 }, 'Batch result TTL'],
    [{ chunkSize: 0 }, 'Batch chunk size must be null or greater than or equal to 1.'],
    [{ rateLimit: 0 }, 'Batch rate limit must be null or greater than or equal to 1.'],
    [
      { rateWindowSeconds: 0 },
      'Batch rate window seconds must be null or greater than or equal to 1.',
    ],
    [
      { checkpointEvery: 0 },
      'Batch checkpoint interval must be null or greater than or equal to 1.',
    ],
    [{ concurrency: 0 }, 'concurrency must be greater than or equal to 1'],
  ])('rejects zero values %j', (fields, fragment) => {
    expect(() => lazy(fields)).toThrow(fragment);
  });

  it('checks in order: the range error wins over the serial error', () => {
    expect(() => createBatchOptions({ mode: 'serial', concurrency: 2, timeoutSeconds: 0 })).toThrow(
      'Queued sample timeout',
    );
  });

  it('computes the effective chunk size', () => {
    expect(
      effectiveChunkSize(
        lazy({
          concurrency: 8,
          chunkSize: 4,
          rateLimit: 30,
          rateWindowSeconds: 60,
          checkpointEvery: 25,
        }),
      ),
    ).toBe(4);
    expect(effectiveChunkSize(lazy({ concurrency: 6 }))).toBe(6);
  });

  it('needs a rate limit for a rate window, in field terms', () => {
    let message = '';
    try {
      lazy({ rateWindowSeconds: 30 });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('only meaningful with a rate limit');
    expect(message).not.toContain('--');
  });

  it('keeps chunk size within concurrency', () => {
    expect(() => lazy({ concurrency: 8, chunkSize: 12 })).toThrow(/\(12\).*\(8\)/);
    expect(lazy({ concurrency: 8, chunkSize: 8 }).chunkSize).toBe(8);
  });

  it('concurrent mode takes the in-process fields and rejects queue and TTL', () => {
    const options = createBatchOptions({
      mode: 'concurrent',
      concurrency: 8,
      chunkSize: 4,
      rateLimit: 10,
      rateWindowSeconds: 1,
      checkpointEvery: 5,
      timeoutSeconds: 3,
      waitTimeoutSeconds: 60,
    });
    expect(effectiveChunkSize(options)).toBe(4);
    expect(() => createBatchOptions({ mode: 'concurrent', queue: 'evals' })).toThrow(
      'Concurrent batch mode does not use a queue name',
    );
    expect(() => createBatchOptions({ mode: 'concurrent', resultTtlSeconds: 60 })).toThrow(
      'Concurrent batch mode does not use a result TTL',
    );
  });

  it('dispatches rolling unless windowed is asked for, in both parallel modes', () => {
    expect(effectiveDispatch(lazy())).toBe('rolling');
    expect(effectiveDispatch(lazy({ dispatch: 'windowed' }))).toBe('windowed');
    expect(effectiveDispatch(createBatchOptions({ mode: 'concurrent', dispatch: 'rolling' }))).toBe(
      'rolling',
    );
  });

  it('rejects an unknown dispatch after the numeric checks, and any dispatch in serial mode', () => {
    expect(() => lazy({ dispatch: 'sliding' })).toThrow(
      "Unsupported batch dispatch 'sliding'; expected one of: rolling, windowed.",
    );
    // A bad numeric field is reported first: the dispatch check comes after them.
    expect(() => lazy({ dispatch: 'sliding', checkpointEvery: 0 })).toThrow(
      'Batch checkpoint interval must be null or greater than or equal to 1.',
    );
    expect(() => createBatchOptions({ mode: 'serial', dispatch: 'rolling' })).toThrow(
      'Serial batch mode does not use a dispatch strategy.',
    );
    // Serial's checkpoint complaint comes before its dispatch complaint.
    expect(() =>
      createBatchOptions({ mode: 'serial', checkpointEvery: 5, dispatch: 'windowed' }),
    ).toThrow('Serial batch mode does not use a checkpoint interval.');
  });
});
