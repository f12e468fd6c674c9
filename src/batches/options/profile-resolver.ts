import { closest, distance } from 'fastest-levenshtein';
import * as z from 'zod';
import { EvalRunError } from '../../errors.js';
import { firstIssue } from '../../schema-issues.js';
import { debugType, isPlainObject } from '../../values.js';
import { DISPATCH_STRATEGIES } from './fields.js';
import {
  PROFILE_FIELDS,
  PROFILE_NUMERIC_FIELDS,
  validateBatchProfile,
  type BatchProfile,
} from './profile.js';
import { BUILTIN_PROFILES } from './defaults.js';

const KNOWN_KEYS: readonly string[] = ['mode', ...PROFILE_FIELDS, 'maxCostUsd'];

/** Resolves profile names to validated profiles: the built-ins plus config overrides. */
export interface ProfileResolver {
  /** Profile names: `ci`, `smoke`, `nightly`, then config-added names in config order. */
  names(): string[];
  /** Every resolved profile, in `names()` order. */
  profiles(): BatchProfile[];
  resolve(name: string): BatchProfile;
}

/**
 * Code of an error about the whole `batches.profiles` value, whose message names that key
 * itself; every other profile error is about one profile and is placed under the key by the
 * config loader.
 */
export const PROFILES_VALUE_ERROR = 'E_BATCH_PROFILES_VALUE';

const fail = (message: string, code = 'E_BATCH_PROFILE'): never => {
  throw new EvalRunError(message, { code });
};

/**
 * Build the resolver from config `batches.profiles`. Every profile is
 * validated here, up front, so one broken entry fails every command that loads the config
 * instead of surfacing in the middle of a nightly run.
 *
 * @param configProfiles the raw `batches.profiles` value; `undefined` when the key is absent.
 */
export function createProfileResolver(configProfiles?: unknown): ProfileResolver {
  const merged = new Map<string, Record<string, unknown>>(
    BUILTIN_PROFILES.map((p) => [p.name, { ...p }]),
  );

  if (configProfiles === null) {
    fail(
      'batches.profiles is null. Set it to a map of profile name => overrides, or remove the key to use the built-in profiles.',
      PROFILES_VALUE_ERROR,
    );
  } else if (configProfiles !== undefined) {
    if (!isPlainObject(configProfiles)) {
      fail(
        `batches.profiles must be a map of profile-name => override-array, got ${debugType(configProfiles)}.`,
        PROFILES_VALUE_ERROR,
      );
    }
    for (const [name, definition] of Object.entries(configProfiles as Record<string, unknown>)) {
      if (name === '' || name.trim() !== name) {
        fail(
          `Batch profile names must be non-empty strings without leading or trailing whitespace; got '${name}'.`,
        );
      }
      if (!isPlainObject(definition))
        fail(`Batch profile '${name}' override must be an object; got ${debugType(definition)}.`);
      const overrides = definition as Record<string, unknown>;
      const base = merged.get(name) ?? { mode: 'serial' };
      merged.set(name, applyOverride(base, overrides));
    }
  }

  const built = new Map<string, BatchProfile>();
  for (const [name, raw] of merged) built.set(name, buildProfile(name, raw));
  const names = [...built.keys()];

  return {
    names: () => [...names],
    profiles: () => names.map((name) => built.get(name) as BatchProfile),
    resolve(name: string): BatchProfile {
      if (name === '' || name.trim() !== name) {
        fail(
          `Batch profile name must be a non-empty string without leading or trailing whitespace; got '${name}'.`,
        );
      }
      const profile = built.get(name);
      if (profile === undefined)
        fail(`Unknown batch profile '${name}'. Available profiles: ${names.join(', ')}.`);
      return profile as BatchProfile;
    },
  };
}

/** Mode flip and dependent clears, then a shallow merge. */
function applyOverride(
  base: Record<string, unknown>,
  definition: Record<string, unknown>,
): Record<string, unknown> {
  const next = { ...base };
  const baseMode = typeof base['mode'] === 'string' ? base['mode'] : 'serial';
  const newMode = typeof definition['mode'] === 'string' ? definition['mode'] : baseMode;
  // Flipping a built-in to serial drops its inherited lazy fields; keys the override names are
  // kept, so an explicit lazy field on a serial profile is still reported.
  if (newMode === 'serial' && baseMode !== 'serial') {
    for (const field of PROFILE_FIELDS) if (!(field in definition)) delete next[field];
  }
  if ('rateLimit' in definition && definition['rateLimit'] === null)
    delete next['rateWindowSeconds'];
  if ('concurrency' in definition && !('chunkSize' in definition)) {
    const concurrency = digitsValue(definition['concurrency']);
    const chunk = digitsValue(base['chunkSize']);
    if (concurrency !== undefined && chunk !== undefined && chunk > concurrency)
      delete next['chunkSize'];
  }
  return { ...next, ...definition };
}

function digitsValue(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

/** A whole number of 1 or more, or its digits (an env-substituted config holds text). */
const profileCount = z
  .union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)])
  .pipe(z.number().min(1))
  .nullish();

/**
 * A profile as the config writes it, once its override is merged over the built-in (or over
 * `{ mode: 'serial' }`). Absent and null both mean unset. The rules between fields are checked
 * afterwards, with those of batch options (batch-rules.ts).
 */
const ProfileEntrySchema = z.strictObject({
  name: z.string().optional(),
  mode: z.string().optional(),
  ...(Object.fromEntries(PROFILE_NUMERIC_FIELDS.map((field) => [field, profileCount])) as Record<
    (typeof PROFILE_NUMERIC_FIELDS)[number],
    typeof profileCount
  >),
  queue: z
    .string()
    .refine((queue) => queue.trim() !== '')
    .transform((queue) => queue.trim())
    .nullish(),
  dispatch: z.enum(DISPATCH_STRATEGIES).nullish(),
  maxCostUsd: z
    .union([z.number(), z.string().trim().min(1).transform(Number)])
    .pipe(z.number().positive())
    .nullish(),
});

const got = (value: unknown) => (typeof value === 'string' ? `'${value}'` : debugType(value));

/** The message of a profile's first problem, naming the profile and the config field. */
function profileIssueMessage(
  prefix: string,
  raw: Record<string, unknown>,
  issues: readonly z.core.$ZodIssue[],
): string {
  const unknownKeys = issues.find((issue) => issue.code === 'unrecognized_keys');
  if (unknownKeys !== undefined) {
    const hints = unknownKeys.keys
      .map((key) => {
        const best = closest(key, [...KNOWN_KEYS]);
        return distance(key.toLowerCase(), best.toLowerCase()) <=
          Math.max(2, Math.floor(best.length / 3))
          ? ` ("${key}": did you mean "${best}"?)`
          : '';
      })
      .join('');
    return `${prefix} has unknown key(s): ${unknownKeys.keys.join(', ')}${hints}. Known keys: ${KNOWN_KEYS.join(', ')}.`;
  }
  const field = String(firstIssue(issues, Object.keys(ProfileEntrySchema.shape)).path[0]);
  const value = raw[field];
  switch (field) {
    case 'mode':
      return value === null
        ? `${prefix} mode is null. Remove the key instead: overrides of built-in profiles inherit the built-in mode, and new profiles default to serial.`
        : `${prefix} mode must be a string; got ${debugType(value)}.`;
    case 'queue':
      return `${prefix} queue must be null or a non-empty string.`;
    case 'dispatch':
      return `${prefix} dispatch must be one of: ${DISPATCH_STRATEGIES.join(', ')} (or null); got ${got(value)}.`;
    case 'maxCostUsd':
      return `${prefix} maxCostUsd must be a positive amount of USD, such as 2.50 (or null); got ${got(value)}.`;
  }
  const whole =
    (typeof value === 'number' && Number.isInteger(value)) ||
    (typeof value === 'string' && /^\d+$/.test(value));
  return `${prefix} ${field} must be a positive integer${whole ? '' : ' or null'}.`;
}

function buildProfile(name: string, raw: Record<string, unknown>): BatchProfile {
  const prefix = `Batch profile '${name}'`;
  const parsed = ProfileEntrySchema.safeParse(raw);
  if (!parsed.success) fail(profileIssueMessage(prefix, raw, parsed.error.issues));
  const entry = parsed.data as z.output<typeof ProfileEntrySchema>;
  const profile: Record<string, unknown> = { name, mode: entry.mode ?? 'serial' };
  for (const field of [...PROFILE_FIELDS, 'maxCostUsd'] as const)
    profile[field] = entry[field] ?? null;
  return validateBatchProfile(profile as unknown as BatchProfile);
}
