import { EvalRunError } from '../../errors.js';
import {
  NULLABLE_NUMERIC_FIELDS,
  type BatchMode,
  type BatchOptions,
  type DispatchStrategy,
} from './fields.js';
import { firstBrokenRule } from './rules.js';

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

/**
 * Check a profile's values and combinations with the rules batch options obey (batch-rules.ts);
 * messages name the profile and the config field. Returns the profile frozen.
 */
export function validateBatchProfile(profile: BatchProfile): BatchProfile {
  const name = profile.name;
  if (name === '' || name.trim() !== name) {
    throw new EvalRunError(
      `Batch profile names must be non-empty strings without leading or trailing whitespace; got '${name}'.`,
      { code: 'E_BATCH_PROFILE' },
    );
  }
  const broken = firstBrokenRule(profile, 'profile');
  if (broken?.profile !== undefined)
    throw new EvalRunError(broken.profile(`Batch profile '${name}'`, profile), {
      code: 'E_BATCH_PROFILE',
    });
  return Object.freeze({ ...profile });
}
