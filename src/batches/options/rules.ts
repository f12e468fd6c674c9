import {
  BATCH_MODES,
  DISPATCH_STRATEGIES,
  NULLABLE_NUMERIC_FIELDS,
  QUEUE_ONLY_FIELDS,
  type BatchOptions,
  type NullableNumericField,
} from './fields.js';

/**
 * The rules batch options and batch profiles obey, written once, in checking order: the first
 * broken rule is the one reported. Each rule speaks twice: once for batch options (the messages
 * of docs/BATCH_PROFILES.md, which name fields, never CLI flags) and once for a profile of the
 * config (naming the profile). A profile may leave any field unset (null), and a rule on an
 * unset field does not apply.
 */
export interface BatchRule {
  /** The fields at fault, so the CLI can name the flags that set them. */
  readonly fields: readonly (keyof BatchOptions)[];
  /** Serial mode cannot use the field: the CLI suggests a mode that can. */
  readonly serialModeConflict: boolean;
  readonly broken: (values: RuleValues) => boolean;
  readonly options: ((values: RuleValues) => string) | undefined;
  readonly profile: ((prefix: string, values: RuleValues) => string) | undefined;
}

/** What the rules read: batch options, or a profile's fields (null where unset). */
export type RuleValues = { readonly mode: string; readonly dispatch: string | null } & {
  readonly [K in Exclude<keyof BatchOptions, 'mode' | 'dispatch'>]: BatchOptions[K] | null;
};

const rule = (
  fields: (keyof BatchOptions)[],
  broken: BatchRule['broken'],
  options: BatchRule['options'],
  profile: BatchRule['profile'],
  serialModeConflict = false,
): BatchRule => ({ fields, broken, options, profile, serialModeConflict });

const OPTION_NAMES: Record<NullableNumericField, string> = {
  timeoutSeconds: 'Queued sample timeout',
  waitTimeoutSeconds: 'Batch wait timeout',
  resultTtlSeconds: 'Batch result TTL',
  chunkSize: 'Batch chunk size',
  rateLimit: 'Batch rate limit',
  rateWindowSeconds: 'Batch rate window seconds',
  checkpointEvery: 'Batch checkpoint interval',
};

/** What serial mode says of each field it does not use, in checking order. */
const SERIAL_UNUSED: readonly [Exclude<keyof BatchOptions, 'mode' | 'concurrency'>, string][] = [
  ['queue', 'a queue name'],
  ['timeoutSeconds', 'a timeout'],
  ['waitTimeoutSeconds', 'a wait timeout'],
  ['resultTtlSeconds', 'a result TTL'],
  ['chunkSize', 'a chunk size'],
  ['rateLimit', 'a rate limit'],
  ['rateWindowSeconds', 'a rate window'],
  ['checkpointEvery', 'a checkpoint interval'],
  ['dispatch', 'a dispatch strategy'],
];

/** Concurrent mode runs in-process: what it says of each field only lazy-parallel uses. */
const CONCURRENT_UNUSED: Record<(typeof QUEUE_ONLY_FIELDS)[number], string> = {
  queue: 'a queue name (queues are for lazy-parallel mode)',
  resultTtlSeconds: 'a result TTL (results stay in-process)',
};

const atLeastOne = (value: number | null) => value !== null && value < 1;

export const BATCH_RULES: readonly BatchRule[] = [
  rule(
    ['mode'],
    (v) => !(BATCH_MODES as readonly string[]).includes(v.mode),
    (v) => `Unsupported batch mode '${v.mode}'. Supported modes: ${BATCH_MODES.join(', ')}.`,
    (p, v) =>
      `${p} has unsupported mode '${String(v.mode)}'. Supported modes: ${BATCH_MODES.join(', ')}.`,
  ),
  rule(
    ['concurrency'],
    (v) => atLeastOne(v.concurrency),
    () => 'Batch concurrency must be greater than or equal to 1.',
    (p) => `${p} concurrency must be greater than or equal to 1.`,
  ),
  rule(
    ['queue'],
    (v) => v.queue !== null && v.queue.trim() === '',
    () => 'Batch queue name must be null or a non-empty string.',
    (p) => `${p} queue must be null or a non-empty string.`,
  ),
  ...NULLABLE_NUMERIC_FIELDS.map((field) =>
    rule(
      [field],
      (v) => atLeastOne(v[field]),
      () => `${OPTION_NAMES[field]} must be null or greater than or equal to 1.`,
      (p) => `${p} ${field} must be greater than or equal to 1.`,
    ),
  ),
  rule(
    ['dispatch'],
    (v) => v.dispatch !== null && !(DISPATCH_STRATEGIES as readonly string[]).includes(v.dispatch),
    (v) =>
      `Unsupported batch dispatch '${String(v.dispatch)}'; expected one of: ${DISPATCH_STRATEGIES.join(', ')}.`,
    (p, v) =>
      `${p} has unsupported dispatch '${String(v.dispatch)}'; expected one of: ${DISPATCH_STRATEGIES.join(', ')}.`,
  ),
  rule(
    ['concurrency'],
    (v) => v.mode === 'serial' && v.concurrency !== null && v.concurrency !== 1,
    () => 'Serial batch mode requires concurrency 1.',
    (p) => `${p} uses serial mode and cannot set concurrency above 1.`,
    true,
  ),
  ...SERIAL_UNUSED.map(([field, what]) =>
    rule(
      [field],
      (v) => v.mode === 'serial' && v[field] !== null,
      () => `Serial batch mode does not use ${what}.`,
      (p) => `${p} uses serial mode and cannot set ${field}.`,
      true,
    ),
  ),
  ...QUEUE_ONLY_FIELDS.map((field) =>
    rule(
      [field],
      (v) => v.mode === 'concurrent' && v[field] !== null,
      () => `Concurrent batch mode does not use ${CONCURRENT_UNUSED[field]}.`,
      (p) => `${p} uses concurrent mode and cannot set ${field} (it needs lazy-parallel mode).`,
    ),
  ),
  rule(
    ['rateWindowSeconds', 'rateLimit'],
    (v) => v.rateWindowSeconds !== null && v.rateLimit === null,
    () =>
      'Batch rate window seconds is only meaningful with a rate limit; set rateLimit or clear rateWindowSeconds.',
    (p) =>
      `${p} rateWindowSeconds is only meaningful with rateLimit; set rateLimit or remove rateWindowSeconds.`,
  ),
  rule(
    ['chunkSize', 'concurrency'],
    (v) => v.chunkSize !== null && v.concurrency !== null && v.chunkSize > v.concurrency,
    (v) =>
      `Batch chunk size (${v.chunkSize}) cannot exceed concurrency (${v.concurrency}): concurrency caps the fan-out, the chunk size can only narrow the dispatch window.`,
    (p, v) => `${p} chunkSize (${v.chunkSize}) cannot exceed concurrency (${v.concurrency}).`,
  ),
  // Profiles only: the CLI's baseline concurrency is 1, so a profile's chunk size without a
  // concurrency would silently collapse to 1. Batch options always have a concurrency.
  rule(
    ['chunkSize'],
    (v) => v.chunkSize !== null && v.concurrency === null,
    undefined,
    (p) =>
      `${p} sets chunkSize but does not set concurrency; set concurrency too (chunkSize may not exceed it).`,
  ),
];

/** The first rule the values break, for batch options or for a profile. */
export function firstBrokenRule(
  values: RuleValues,
  voice: 'options' | 'profile',
): BatchRule | undefined {
  return BATCH_RULES.find(
    (candidate) => candidate[voice] !== undefined && candidate.broken(values),
  );
}
