import { createRequire } from 'node:module';

/** This package's version, from its package.json (one read, at first use). */
export const EVAL_HARNESS_VERSION = (
  createRequire(import.meta.url)('../package.json') as { version: string }
).version;
