import { EvalRunError } from '../errors.js';
import {
  DISPATCH_STRATEGIES,
  NULLABLE_NUMERIC_FIELDS,
  isDispatchStrategy,
  type BatchMode,
  type BatchOptions,
  type DispatchStrategy,
} from './batch-options.js';

/** The fields a profile may preset besides `mode`, in checking order. */
export const PROFILE_FIELDS = [
  'concurrency',
  'queue',
  ...NULLABLE_NUMERIC_FIELDS,
  'dispatch',
] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];

/** Numeric profile fields (every profile field but `queue` and `dispatch`). */
export const PROFILE_NUMERIC_FIELDS = PROFILE_FIELDS.filter(
  (field) => field !== 'queue' && field !== 'dispatch',
) as Exclude<ProfileField, 'queue' | 'dispatch'>[];

/**
 * One entry of config `batches.profiles` as written: an override of a built-in or a new
 * profile. Numbers may be digit strings (env-substituted configs) and `null` clears an inherited
 * value. The profile resolver checks the values and says which profile and field is wrong; this
 * type lets `defineConfig` catch a misspelt key before anything runs.
 */
export type BatchProfileOverride = {
  readonly mode?: BatchMode;
  readonly queue?: string | null;
  readonly dispatch?: DispatchStrategy | null;
  /** A spending budget in USD for runs with this profile (`--max-cost` wins). */
  readonly maxCostUsd?: number | `${number}` | null;
} & {
  readonly [K in Exclude<ProfileField, 'queue' | 'dispatch'>]?: number | `${number}` | null;
};

/**
 * A named preset of batch-option defaults; explicit flags win over it. The
 * fields are those of BatchOptions, each nullable (unset: the run's baseline applies).
 */
export type BatchProfile = {
  readonly name: string;
  readonly mode: BatchMode;
  /**
   * A spending budget in USD (`--max-cost` wins; any mode may set it). Not a batch option: it
   * stops a run by its spend, whatever the dispatch.
   */
  readonly maxCostUsd?: number | null;
} & {
  readonly [K in ProfileField]: BatchOptions[K] | null;
};

const PROFILE_MODES: readonly string[] = ['serial', 'concurrent', 'lazy-parallel'];

/**
 * Check a profile's values and combinations; messages name the profile and
 * the config field. Returns the profile frozen.
 */
export function validateBatchProfile(profile: BatchProfile): BatchProfile {
  const name = profile.name;
  const fail = (message: string): never => {
    throw new EvalRunError(message, { code: 'E_BATCH_PROFILE' });
  };
  if (name === '' || name.trim() !== name) {
    fail(
      `Batch profile names must be non-empty strings without leading or trailing whitespace; got '${name}'.`,
    );
  }
  const prefix = `Batch profile '${name}'`;
  if (!PROFILE_MODES.includes(profile.mode)) {
    fail(
      `${prefix} has unsupported mode '${String(profile.mode)}'. Supported modes: ${PROFILE_MODES.join(', ')}.`,
    );
  }
  for (const field of PROFILE_NUMERIC_FIELDS) {
    const value = profile[field];
    if (value !== null && value < 1) fail(`${prefix} ${field} must be greater than or equal to 1.`);
  }
  if (profile.queue !== null && profile.queue.trim() === '')
    fail(`${prefix} queue must be null or a non-empty string.`);
  if (profile.dispatch !== null && !isDispatchStrategy(profile.dispatch)) {
    fail(
      `${prefix} has unsupported dispatch '${String(profile.dispatch)}'; expected one of: ${DISPATCH_STRATEGIES.join(', ')}.`,
    );
  }

  if (profile.mode === 'serial') {
    if (profile.concurrency !== null && profile.concurrency !== 1) {
      fail(`${prefix} uses serial mode and cannot set concurrency above 1.`);
    }
    for (const field of PROFILE_FIELDS) {
      if (field !== 'concurrency' && profile[field] !== null)
        fail(`${prefix} uses serial mode and cannot set ${field}.`);
    }
  }
  if (profile.mode === 'concurrent') {
    for (const field of ['queue', 'resultTtlSeconds'] as const) {
      if (profile[field] !== null)
        fail(
          `${prefix} uses concurrent mode and cannot set ${field} (it needs lazy-parallel mode).`,
        );
    }
  }
  if (profile.rateWindowSeconds !== null && profile.rateLimit === null) {
    fail(
      `${prefix} rateWindowSeconds is only meaningful with rateLimit; set rateLimit or remove rateWindowSeconds.`,
    );
  }
  if (
    profile.chunkSize !== null &&
    profile.concurrency !== null &&
    profile.chunkSize > profile.concurrency
  ) {
    fail(
      `${prefix} chunkSize (${profile.chunkSize}) cannot exceed concurrency (${profile.concurrency}).`,
    );
  }
  // Checked after the other cross-field rules: the CLI baseline concurrency is 1,
  // so a chunk size without a concurrency would silently collapse to 1.
  if (profile.chunkSize !== null && profile.concurrency === null) {
    fail(
      `${prefix} sets chunkSize but does not set concurrency; set concurrency too (chunkSize may not exceed it).`,
    );
  }
  return Object.freeze({ ...profile });
}
