import { closest, distance } from 'fastest-levenshtein';
import { EvalRunError } from '../errors.js';
import { debugType, isPlainObject } from '../values.js';
import { DISPATCH_STRATEGIES, isDispatchStrategy, type DispatchStrategy } from './batch-options.js';
import {
  PROFILE_FIELDS,
  PROFILE_NUMERIC_FIELDS,
  validateBatchProfile,
  type BatchProfile,
} from './batch-profile.js';
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

const fail = (message: string): never => {
  throw new EvalRunError(message, { code: 'E_BATCH_PROFILE' });
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
    );
  } else if (configProfiles !== undefined) {
    if (!isPlainObject(configProfiles)) {
      fail(
        `batches.profiles must be a map of profile-name => override-array, got ${debugType(configProfiles)}.`,
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

function buildProfile(name: string, raw: Record<string, unknown>): BatchProfile {
  const prefix = `Batch profile '${name}'`;
  const unknown = Object.keys(raw).filter((key) => key !== 'name' && !KNOWN_KEYS.includes(key));
  if (unknown.length > 0) {
    const hints = unknown
      .map((key) => {
        const best = closest(key, [...KNOWN_KEYS]);
        return distance(key.toLowerCase(), best.toLowerCase()) <=
          Math.max(2, Math.floor(best.length / 3))
          ? ` ("${key}": did you mean "${best}"?)`
          : '';
      })
      .join('');
    fail(
      `${prefix} has unknown key(s): ${unknown.join(', ')}${hints}. Known keys: ${KNOWN_KEYS.join(', ')}.`,
    );
  }
  if ('mode' in raw && raw['mode'] === null) {
    fail(
      `${prefix} mode is null. Remove the key instead: overrides of built-in profiles inherit the built-in mode, and new profiles default to serial.`,
    );
  }
  if ('mode' in raw && typeof raw['mode'] !== 'string')
    fail(`${prefix} mode must be a string; got ${debugType(raw['mode'])}.`);

  const profile: Record<string, unknown> = { name, mode: raw['mode'] ?? 'serial' };
  for (const field of PROFILE_NUMERIC_FIELDS)
    profile[field] = normalizeProfileInt(raw[field], prefix, field);
  profile['queue'] = normalizeProfileQueue(raw['queue'], prefix);
  profile['dispatch'] = normalizeProfileDispatch(raw['dispatch'], prefix);
  profile['maxCostUsd'] = normalizeProfileBudget(raw['maxCostUsd'], prefix);
  return validateBatchProfile(profile as unknown as BatchProfile);
}

/** null → null; a positive amount of USD (a number, or its text) → the number. */
function normalizeProfileBudget(value: unknown, prefix: string): number | null {
  if (value === null || value === undefined) return null;
  const usd = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof usd === 'number' && Number.isFinite(usd) && usd > 0) return usd;
  return fail(
    `${prefix} maxCostUsd must be a positive amount of USD, such as 2.50 (or null); got ${typeof value === 'string' ? `'${value}'` : debugType(value)}.`,
  );
}

/** null → null; integer ≥ 1 or an all-digit string → the number; anything else is an error. */
function normalizeProfileInt(value: unknown, prefix: string, field: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' && Number.isInteger(value)) {
    if (value < 1) fail(`${prefix} ${field} must be a positive integer.`);
    return value;
  }
  if (typeof value === 'string' && /^\d+$/.test(value)) {
    const parsed = Number(value);
    if (parsed < 1) fail(`${prefix} ${field} must be a positive integer.`);
    return parsed;
  }
  return fail(`${prefix} ${field} must be a positive integer or null.`);
}

function normalizeProfileDispatch(value: unknown, prefix: string): DispatchStrategy | null {
  if (value === null || value === undefined) return null;
  if (isDispatchStrategy(value)) return value;
  return fail(
    `${prefix} dispatch must be one of: ${DISPATCH_STRATEGIES.join(', ')} (or null); got ${typeof value === 'string' ? `'${value}'` : debugType(value)}.`,
  );
}

function normalizeProfileQueue(value: unknown, prefix: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' || value.trim() === '')
    fail(`${prefix} queue must be null or a non-empty string.`);
  return (value as string).trim();
}
