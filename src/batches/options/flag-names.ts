/**
 * Every batch flag, in the order warnings list them: the single source of truth for `run` and
 * `adversarial`. A leaf module with no imports, so the CLI can declare its flags (and answer
 * `--version` or `--help`) without loading the batch code and zod.
 */
export const BATCH_FLAGS = [
  'batch',
  'batch-profile',
  'concurrency',
  'queue',
  'timeout',
  'batch-timeout',
  'result-ttl-seconds',
  'chunk-size',
  'rate-limit',
  'rate-window-seconds',
  'checkpoint-every',
  'dispatch',
] as const;
export type BatchFlagName = (typeof BATCH_FLAGS)[number];

/** Raw flag values: `undefined` = absent, `''` = present but empty (`--flag=`), else the value. */
export type BatchFlags = Partial<Record<BatchFlagName, string>>;
