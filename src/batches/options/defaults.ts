import type { BatchProfile } from './profile.js';

/** Built-in profiles, as docs/BATCH_PROFILES.md lists them, in `names()` order. */
export const BUILTIN_PROFILES: readonly BatchProfile[] = [
  {
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
  },
  {
    name: 'smoke',
    mode: 'serial',
    concurrency: null,
    queue: null,
    timeoutSeconds: null,
    waitTimeoutSeconds: null,
    resultTtlSeconds: null,
    chunkSize: null,
    rateLimit: null,
    rateWindowSeconds: null,
    checkpointEvery: null,
    dispatch: null,
  },
  {
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
  },
];

/**
 * The result-store TTL floor (F) when neither config nor env sets one.
 * @defaultValue 3600
 */
export const DEFAULT_RESULT_TTL_SECONDS = 3600;

/**
 * The per-window wait budget (W) when neither options, config nor env set one.
 * @defaultValue 60
 */
export const DEFAULT_WAIT_TIMEOUT_SECONDS = 60;

/** The rate window used when a rate limit is set without a window. */
export const DEFAULT_RATE_WINDOW_SECONDS = 60;
