import { UsageError } from '../../errors.js';
import { parsePositiveIntFlag } from '../../flag-values.js';
import {
  BATCH_MODES,
  BatchOptionsError,
  DISPATCH_STRATEGIES,
  createBatchOptions,
  isDispatchStrategy,
  type BatchOptions,
  type BatchOptionsInput,
  type NullableNumericField,
} from './batch-options.js';
import { QUEUE_ONLY_FIELDS } from './fields.js';
import type { BatchProfile } from './profile.js';
import { BATCH_FLAGS, type BatchFlagName, type BatchFlags } from './flag-names.js';
import type { ProfileResolver } from './profile-resolver.js';

export { BATCH_FLAGS, type BatchFlagName, type BatchFlags } from './flag-names.js';

/** The seven flags that take `none` / `null` to clear an inherited profile value. */
export const NULLABLE_FLAG_FIELDS: Readonly<Record<string, NullableNumericField>> = {
  timeout: 'timeoutSeconds',
  'batch-timeout': 'waitTimeoutSeconds',
  'result-ttl-seconds': 'resultTtlSeconds',
  'chunk-size': 'chunkSize',
  'rate-limit': 'rateLimit',
  'rate-window-seconds': 'rateWindowSeconds',
  'checkpoint-every': 'checkpointEvery',
};

export interface ResolvedBatch {
  readonly options: BatchOptions;
  /** The profile that supplied defaults, or null. */
  readonly profile: BatchProfile | null;
}

/** Fields only the queue transport uses; dropped silently when inherited in concurrent mode. */

/**
 * Resolve batch options from flags and profiles: explicit flag > profile >
 * baseline (serial, concurrency 1, everything else null). Pure: no I/O, no env.
 */
export function resolveBatchOptions(flags: BatchFlags, resolver: ProfileResolver): ResolvedBatch {
  const explicit = (name: BatchFlagName): boolean =>
    flags[name] !== undefined && flags[name] !== '';

  let profile: BatchProfile | null = null;
  const profileFlag = flags['batch-profile'];
  if (profileFlag !== undefined) {
    if (profileFlag === '') {
      throw new UsageError(
        'The --batch-profile option requires a non-empty profile name; omit the flag to run without a profile (an unset CI variable must not silently change the batch mode).',
      );
    }
    profile = resolver.resolve(profileFlag);
  }

  // `--concurrency 8` alone means "run 8 at once": with no mode from a flag or a profile, a
  // concurrency above 1 selects concurrent mode (docs/BATCH_PROFILES.md, modes).
  const impliesConcurrent =
    explicit('concurrency') &&
    parsePositiveIntFlag('--concurrency', flags.concurrency as string) > 1;
  const mode = explicit('batch')
    ? parseMode(flags.batch as string)
    : (profile?.mode ?? (impliesConcurrent ? 'concurrent' : 'serial'));
  const serial = mode === 'serial';
  // Inherited values a mode cannot use are dropped; explicit ones are kept and fail validation.
  const inherit = <K extends keyof BatchProfile>(field: K): BatchProfile[K] | null => {
    if (serial || profile === null) return null;
    if (mode === 'concurrent' && (QUEUE_ONLY_FIELDS as readonly string[]).includes(field))
      return null;
    return profile[field];
  };

  const input: { -readonly [K in keyof BatchOptionsInput]: BatchOptionsInput[K] } = { mode };
  input.concurrency = explicit('concurrency')
    ? parsePositiveIntFlag('--concurrency', flags.concurrency as string)
    : (inherit('concurrency') ?? 1);
  input.queue = explicit('queue') ? (flags.queue as string) : inherit('queue');

  for (const [flag, field] of Object.entries(NULLABLE_FLAG_FIELDS)) {
    const value = flags[flag as BatchFlagName];
    if (value !== undefined && value !== '') {
      input[field] = /^(none|null)$/i.test(value.trim())
        ? null
        : parsePositiveIntFlag(`--${flag}`, value);
    } else {
      input[field] = inherit(field);
    }
  }

  input.dispatch = explicit('dispatch')
    ? parseDispatch(flags.dispatch as string)
    : inherit('dispatch');

  // An explicit value may invalidate an inherited one; reconcile only those cases.
  const chunk = input.chunkSize ?? null;
  if (
    !serial &&
    chunk !== null &&
    chunk > (input.concurrency as number) &&
    !explicit('chunk-size')
  ) {
    input.chunkSize = input.concurrency;
  }
  if (
    input.rateLimit === null &&
    (input.rateWindowSeconds ?? null) !== null &&
    explicit('rate-limit') &&
    !explicit('rate-window-seconds')
  ) {
    input.rateWindowSeconds = null;
  }

  return { options: buildOptions(input, explicit, profile), profile };
}

/** The flag that sets each BatchOptions field. */
const FLAG_OF_FIELD: Readonly<Record<keyof BatchOptions, BatchFlagName>> = {
  mode: 'batch',
  concurrency: 'concurrency',
  queue: 'queue',
  dispatch: 'dispatch',
  ...(Object.fromEntries(
    Object.entries(NULLABLE_FLAG_FIELDS).map(([flag, field]) => [field, flag]),
  ) as Record<NullableNumericField, BatchFlagName>),
};

/**
 * BatchOptions messages name fields; on the command line, say which flags (or which profile)
 * set the values at fault, and which flags fix a serial conflict.
 */
function buildOptions(
  input: BatchOptionsInput,
  explicit: (name: BatchFlagName) => boolean,
  profile: BatchProfile | null,
): BatchOptions {
  try {
    return createBatchOptions(input);
  } catch (error) {
    if (!(error instanceof BatchOptionsError)) throw error;
    if (error.serialModeConflict) {
      throw new UsageError(
        `${error.message} Choose --batch=concurrent or --batch=lazy-parallel (or a --batch-profile that sets one), or drop the flag.`,
        { cause: error },
      );
    }
    const flags = error.fields.map((field) => FLAG_OF_FIELD[field]).filter(explicit);
    const source =
      flags.length > 0
        ? `set by ${flags.map((flag) => `--${flag}`).join(' and ')}`
        : profile === null
          ? undefined
          : `from --batch-profile ${profile.name}`;
    if (source === undefined) throw error;
    throw new UsageError(`${error.message.replace(/\.$/, '')} (${source}).`, { cause: error });
  }
}

/** A mode named by `--batch`; an unknown one names the flag (a profile's names the profile). */
function parseMode(value: string): string {
  if ((BATCH_MODES as readonly string[]).includes(value)) return value;
  throw new UsageError(
    `Unsupported batch mode '${value}' (--batch). Supported modes: ${BATCH_MODES.join(', ')}.`,
  );
}

/** `rolling`, `windowed`, or `none` / `null` (any case) to clear a profile value. */
function parseDispatch(value: string): string | null {
  const trimmed = value.trim();
  if (/^(none|null)$/i.test(trimmed)) return null;
  if (isDispatchStrategy(trimmed)) return trimmed;
  throw new UsageError(
    `Unsupported batch dispatch '${value}' (--dispatch); expected one of: ${DISPATCH_STRATEGIES.join(', ')}, or none to clear a profile value.`,
  );
}

/** The batch flags that were given at all (present-empty counts), in BATCH_FLAGS order. */
export function providedBatchFlags(flags: BatchFlags): BatchFlagName[] {
  return BATCH_FLAGS.filter((flag) => flags[flag] !== undefined);
}
