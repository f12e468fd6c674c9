import { describe, expect, it } from 'vitest';
import { createProfileResolver } from '../../../src/batches/index.js';

const resolve = (profiles: unknown, name: string) => createProfileResolver(profiles).resolve(name);

describe('built-in profiles', () => {
  const resolver = createProfileResolver();

  it('lists ci, smoke, nightly', () => {
    expect(resolver.names()).toEqual(['ci', 'smoke', 'nightly']);
  });

  it('has the exact built-in values', () => {
    expect(resolver.resolve('ci')).toEqual({
      name: 'ci',
      mode: 'lazy-parallel',
      concurrency: 4,
      queue: null,
      timeoutSeconds: 30,
      waitTimeoutSeconds: 120,
      resultTtlSeconds: null,
      chunkSize: 4,
      rateLimit: null,
      rateWindowSeconds: null,
      checkpointEvery: 25,
      dispatch: null,
      maxCostUsd: null,
    });
    expect(resolver.resolve('smoke')).toMatchObject({
      mode: 'serial',
      concurrency: null,
      queue: null,
      chunkSize: null,
      rateLimit: null,
      checkpointEvery: null,
    });
    expect(resolver.resolve('nightly')).toEqual({
      name: 'nightly',
      mode: 'lazy-parallel',
      concurrency: 16,
      queue: null,
      timeoutSeconds: 120,
      waitTimeoutSeconds: 600,
      resultTtlSeconds: null,
      chunkSize: 16,
      rateLimit: 60,
      rateWindowSeconds: 60,
      checkpointEvery: 100,
      dispatch: null,
      maxCostUsd: null,
    });
  });

  it('names unknown and padded profiles', () => {
    expect(() => resolver.resolve('release')).toThrow(
      "Unknown batch profile 'release'. Available profiles: ci, smoke, nightly.",
    );
    expect(() => resolver.resolve('')).toThrow(
      'non-empty string without leading or trailing whitespace',
    );
    expect(() => resolver.resolve(' ci')).toThrow(
      'non-empty string without leading or trailing whitespace',
    );
  });
});

describe('config overrides', () => {
  it('merges an override over the built-in', () => {
    expect(resolve({ ci: { concurrency: 8, rateLimit: 30 } }, 'ci')).toMatchObject({
      mode: 'lazy-parallel',
      concurrency: 8,
      rateLimit: 30,
      waitTimeoutSeconds: 120,
      chunkSize: 4,
    });
  });

  it('appends new profiles after the built-ins', () => {
    const resolver = createProfileResolver({
      release: {
        mode: 'lazy-parallel',
        concurrency: 24,
        queue: 'evals-release',
        timeoutSeconds: 90,
        waitTimeoutSeconds: 600,
        chunkSize: 24,
        rateLimit: 90,
        rateWindowSeconds: 60,
        checkpointEvery: 50,
      },
    });
    expect(resolver.names()).toEqual(['ci', 'smoke', 'nightly', 'release']);
    expect(resolver.resolve('release')).toMatchObject({
      concurrency: 24,
      queue: 'evals-release',
      rateLimit: 90,
    });
  });

  it('normalises numbers', () => {
    expect(() => resolve({ ci: { concurrency: 'four' } }, 'ci')).toThrow(
      "Batch profile 'ci' concurrency must be a positive integer or null.",
    );
    expect(resolve({ ci: { concurrency: '8' } }, 'ci').concurrency).toBe(8);
    expect(() => resolve({ ci: { concurrency: '0' } }, 'ci')).toThrow(
      "Batch profile 'ci' concurrency must be a positive integer.",
    );
    expect(() => resolve({ ci: { concurrency: -2 } }, 'ci')).toThrow(
      "Batch profile 'ci' concurrency must be a positive integer.",
    );
    expect(() => resolve({ ci: { concurrency: 8.5 } }, 'ci')).toThrow(
      'must be a positive integer or null.',
    );
    expect(() => resolve({ ci: { concurrency: ' 8' } }, 'ci')).toThrow(
      'must be a positive integer or null.',
    );
  });

  it('rejects bad names', () => {
    expect(() => createProfileResolver({ ' ': {} })).toThrow(
      'Batch profile names must be non-empty strings',
    );
    expect(() => createProfileResolver({ x: 'not-an-object' })).toThrow(
      "Batch profile 'x' override must be an object",
    );
  });

  it('flips a built-in to serial and drops its lazy fields', () => {
    expect(resolve({ ci: { mode: 'serial' } }, 'ci')).toMatchObject({
      mode: 'serial',
      concurrency: null,
      timeoutSeconds: null,
      waitTimeoutSeconds: null,
      chunkSize: null,
      checkpointEvery: null,
    });
  });

  it('rejects lazy fields on serial profiles', () => {
    expect(() => resolve({ ci: { mode: 'serial', concurrency: 4 } }, 'ci')).toThrow(
      "Batch profile 'ci' uses serial mode and cannot set concurrency above 1.",
    );
    expect(() => resolve({ smoke: { rateLimit: 5 } }, 'smoke')).toThrow(
      "Batch profile 'smoke' uses serial mode and cannot set rateLimit.",
    );
  });

  it('takes a spending budget in any mode, as a number or its text, and refuses others', () => {
    expect(resolve({ smoke: { maxCostUsd: 2.5 } }, 'smoke').maxCostUsd).toBe(2.5);
    expect(resolve({ nightly: { maxCostUsd: '10' } }, 'nightly').maxCostUsd).toBe(10);
    for (const bad of [0, -1, 'ten', true]) {
      expect(() => createProfileResolver({ ci: { maxCostUsd: bad } })).toThrow(
        "Batch profile 'ci' maxCostUsd must be a positive amount of USD, such as 2.50 (or null)",
      );
    }
  });

  it('takes a dispatch strategy, refuses others, and refuses it on serial profiles', () => {
    expect(resolve({ nightly: { dispatch: 'windowed' } }, 'nightly').dispatch).toBe('windowed');
    expect(resolve({ local: { mode: 'concurrent', dispatch: 'rolling' } }, 'local')).toMatchObject({
      mode: 'concurrent',
      dispatch: 'rolling',
    });
    expect(() => createProfileResolver({ ci: { dispatch: 'sliding' } })).toThrow(
      "Batch profile 'ci' dispatch must be one of: rolling, windowed (or null); got 'sliding'.",
    );
    expect(() => createProfileResolver({ ci: { dispatch: 3 } })).toThrow(
      "Batch profile 'ci' dispatch must be one of: rolling, windowed (or null); got a number (3).",
    );
    expect(() => resolve({ smoke: { dispatch: 'rolling' } }, 'smoke')).toThrow(
      "Batch profile 'smoke' uses serial mode and cannot set dispatch.",
    );
  });

  it('applies the cross-field rules', () => {
    expect(() =>
      createProfileResolver({ broken: { mode: 'lazy-parallel', rateWindowSeconds: 30 } }),
    ).toThrow("Batch profile 'broken' rateWindowSeconds is only meaningful with rateLimit");
    expect(() =>
      createProfileResolver({
        unbalanced: { mode: 'lazy-parallel', concurrency: 4, chunkSize: 8 },
      }),
    ).toThrow("Batch profile 'unbalanced' chunkSize (8) cannot exceed concurrency (4).");
    expect(() =>
      createProfileResolver({ partial: { mode: 'lazy-parallel', chunkSize: 8 } }),
    ).toThrow("Batch profile 'partial' sets chunkSize but does not set concurrency");
  });

  it('rejects a map that is not a map, and null', () => {
    expect(() => createProfileResolver('not-an-array')).toThrow(
      'must be a map of profile-name => override-array, got a string.',
    );
    expect(() => createProfileResolver(null)).toThrow('batches.profiles is null.');
    expect(createProfileResolver({}).names()).toEqual(['ci', 'smoke', 'nightly']);
  });

  it('rejects unknown keys with a suggestion', () => {
    expect(() =>
      createProfileResolver({ typo: { mode: 'lazy-parallel', concurrency: 4, concurency: 8 } }),
    ).toThrow(
      /Batch profile 'typo' has unknown key\(s\): concurency \("concurency": did you mean "concurrency"\?\)\. Known keys: mode, concurrency, queue/,
    );
    expect(() => createProfileResolver({ ci: { checkpoint_every: 5 } })).toThrow(
      'did you mean "checkpointEvery"?',
    );
  });

  it('rejects a null mode', () => {
    for (const profiles of [
      { 'env-backed': { mode: null, concurrency: 4 } },
      { ci: { mode: null } },
    ]) {
      expect(() => createProfileResolver(profiles)).toThrow(
        /mode is null\..*overrides of built-in profiles inherit the built-in mode/,
      );
    }
    expect(() => createProfileResolver({ x: { mode: 5 } })).toThrow(
      "Batch profile 'x' mode must be a string",
    );
  });

  it('defaults brand-new profiles to serial', () => {
    expect(() => createProfileResolver({ p: { concurrency: 4 } })).toThrow(
      'cannot set concurrency above 1',
    );
    expect(resolve({ p: {} }, 'p').mode).toBe('serial');
    expect(resolve({ p: { concurrency: 1 } }, 'p').concurrency).toBe(1);
  });

  it('validates every profile up front', () => {
    expect(() =>
      createProfileResolver({ broken: { mode: 'lazy-parallel', rateWindowSeconds: 30 } }).resolve(
        'ci',
      ),
    ).toThrow('broken');
  });

  it('trims and checks queues', () => {
    expect(resolve({ ci: { queue: '  evals  ' } }, 'ci').queue).toBe('evals');
    expect(() => resolve({ ci: { queue: '' } }, 'ci')).toThrow(
      'queue must be null or a non-empty string',
    );
    expect(() => resolve({ ci: { queue: 5 } }, 'ci')).toThrow(
      'queue must be null or a non-empty string',
    );
  });

  it('clears dependent inherited values', () => {
    expect(resolve({ nightly: { rateLimit: null } }, 'nightly')).toMatchObject({
      rateLimit: null,
      rateWindowSeconds: null,
    });
    expect(resolve({ nightly: { concurrency: 8 } }, 'nightly')).toMatchObject({
      concurrency: 8,
      chunkSize: null,
    });
    expect(() => resolve({ nightly: { concurrency: 8, chunkSize: 16 } }, 'nightly')).toThrow(
      'chunkSize (16) cannot exceed concurrency',
    );
  });

  it('accepts concurrent profiles without queue fields', () => {
    expect(
      resolve({ local: { mode: 'concurrent', concurrency: 8, rateLimit: 60 } }, 'local'),
    ).toMatchObject({ mode: 'concurrent', concurrency: 8, rateLimit: 60 });
    expect(() =>
      createProfileResolver({ local: { mode: 'concurrent', concurrency: 8, queue: 'q' } }),
    ).toThrow("Batch profile 'local' uses concurrent mode and cannot set queue");
    expect(() => createProfileResolver({ odd: { mode: 'parallel' } })).toThrow(
      "Batch profile 'odd' has unsupported mode 'parallel'",
    );
  });
});

describe('config profile entries, one problem at a time', () => {
  it.each([
    [
      { ci: { concurency: 4 } },
      'Batch profile \'ci\' has unknown key(s): concurency ("concurency": did you mean "concurrency"?). Known keys: mode, concurrency, queue, timeoutSeconds, waitTimeoutSeconds, resultTtlSeconds, chunkSize, rateLimit, rateWindowSeconds, checkpointEvery, dispatch, maxCostUsd.',
    ],
    [{ ci: { mode: null, bogus: 1 } }, "Batch profile 'ci' has unknown key(s): bogus."],
    [{ ci: { mode: 3 } }, "Batch profile 'ci' mode must be a string; got a number (3)."],
    [
      { ci: { timeoutSeconds: 1.5 } },
      "Batch profile 'ci' timeoutSeconds must be a positive integer or null.",
    ],
    [{ ci: { rateLimit: '0' } }, "Batch profile 'ci' rateLimit must be a positive integer."],
    [{ ci: { queue: '  ' } }, "Batch profile 'ci' queue must be null or a non-empty string."],
    [
      { ci: { maxCostUsd: 'abc' } },
      "Batch profile 'ci' maxCostUsd must be a positive amount of USD, such as 2.50 (or null); got 'abc'.",
    ],
    [
      { ci: { maxCostUsd: -2 } },
      "Batch profile 'ci' maxCostUsd must be a positive amount of USD, such as 2.50 (or null); got a number (-2).",
    ],
  ])('rejects %j', (profiles, message) => {
    expect(() => createProfileResolver(profiles)).toThrow(message);
  });

  it('reads digit strings and trims the queue', () => {
    const ci = createProfileResolver({
      ci: { concurrency: '6', queue: ' evals ', maxCostUsd: '2.5' },
    }).resolve('ci');
    expect(ci).toMatchObject({ concurrency: 6, queue: 'evals', maxCostUsd: 2.5 });
  });
});
