import { createRequire } from 'node:module';
import type * as BullMQ from 'bullmq';
import type * as IORedis from 'ioredis';

const requireCommonJs = createRequire(import.meta.url);

/*
 * bullmq and ioredis are loaded on first use: only lazy-parallel runs and workers need them.
 * Both ship CommonJS, and require() skips the export scan an ESM import() runs over every
 * CommonJS file of the package: about 40 ms less start-up for each producer and worker process
 * (ioredis + bullmq: ~117 ms imported, ~77 ms required, on the benchmark machine).
 */

export function loadBullmq(): typeof BullMQ {
  return requireCommonJs('bullmq') as typeof BullMQ;
}

export function loadIoredis(): typeof IORedis {
  return requireCommonJs('ioredis') as typeof IORedis;
}
