import * as z from 'zod';
import { EvalRunError } from '../errors.js';

/** Execution strategies. */
export const BATCH_MODES = ['serial', 'concurrent', 'lazy-parallel'] as const;
export type BatchMode = (typeof BATCH_MODES)[number];

/**
 * How the producer keeps samples in flight (docs/PROGRESS.md): `rolling` starts the next sample
 * as soon as one finishes; `windowed` sends a window and waits for all of it before the next.
 */
export const DISPATCH_STRATEGIES = ['rolling', 'windowed'] as const;
export type DispatchStrategy = (typeof DISPATCH_STRATEGIES)[number];

/** The nullable numeric fields, in the order validation checks them. */
export const NULLABLE_NUMERIC_FIELDS = [
  'timeoutSeconds',
  'waitTimeoutSeconds',
  'resultTtlSeconds',
  'chunkSize',
  'rateLimit',
  'rateWindowSeconds',
  'checkpointEvery',
] as const;
export type NullableNumericField = (typeof NULLABLE_NUMERIC_FIELDS)[number];

/** How a batch runs. Immutable; build it with createBatchOptions(). */
export interface BatchOptions {
  readonly mode: BatchMode;
  /** Producer fan-out cap, and the default window size. @defaultValue 1 */
  readonly concurrency: number;
  /** Queue name for lazy-parallel jobs, stored trimmed. */
  readonly queue: string | null;
  /** Per-sample timeout (T). */
  readonly timeoutSeconds: number | null;
  /**
   * Wall-clock budget (W); null → the runner default. Windowed: per window, covering dispatch and
   * collection. Rolling: per sample from its own dispatch, and for one wait for a rate-limit slot.
   */
  readonly waitTimeoutSeconds: number | null;
  /** Caller-supplied floor for the result-store TTL (R). */
  readonly resultTtlSeconds: number | null;
  /** Samples in flight at most (rolling) or the window size (windowed); null → concurrency. */
  readonly chunkSize: number | null;
  /** Max dispatches per rate window. */
  readonly rateLimit: number | null;
  /** Sliding rate window length; null with a rate limit → 60 inside the runner. */
  readonly rateWindowSeconds: number | null;
  /** Emit a progress checkpoint every N completed samples. */
  readonly checkpointEvery: number | null;
  /** Dispatch strategy of concurrent and lazy-parallel runs; null → rolling. */
  readonly dispatch: DispatchStrategy | null;
}

export type BatchOptionsInput = Partial<Omit<BatchOptions, 'mode' | 'dispatch'>> & {
  mode?: string;
  dispatch?: string | null;
};

const MESSAGES: Record<NullableNumericField, string> = {
  timeoutSeconds: 'Queued sample timeout must be null or greater than or equal to 1.',
  waitTimeoutSeconds: 'Batch wait timeout must be null or greater than or equal to 1.',
  resultTtlSeconds: 'Batch result TTL must be null or greater than or equal to 1.',
  chunkSize: 'Batch chunk size must be null or greater than or equal to 1.',
  rateLimit: 'Batch rate limit must be null or greater than or equal to 1.',
  rateWindowSeconds: 'Batch rate window seconds must be null or greater than or equal to 1.',
  checkpointEvery: 'Batch checkpoint interval must be null or greater than or equal to 1.',
};

const SERIAL_CONCURRENCY = 'Serial batch mode requires concurrency 1.';

/** What serial mode says for each field it does not use, in checking order. */
const SERIAL_UNUSED: readonly [keyof BatchOptions, string][] = [
  ['queue', 'Serial batch mode does not use a queue name.'],
  ['timeoutSeconds', 'Serial batch mode does not use a timeout.'],
  ['waitTimeoutSeconds', 'Serial batch mode does not use a wait timeout.'],
  ['resultTtlSeconds', 'Serial batch mode does not use a result TTL.'],
  ['chunkSize', 'Serial batch mode does not use a chunk size.'],
  ['rateLimit', 'Serial batch mode does not use a rate limit.'],
  ['rateWindowSeconds', 'Serial batch mode does not use a rate window.'],
  ['checkpointEvery', 'Serial batch mode does not use a checkpoint interval.'],
  ['dispatch', 'Serial batch mode does not use a dispatch strategy.'],
];

/** Concurrent mode runs in-process: no queue, no result store. */
const CONCURRENT_UNUSED: readonly [keyof BatchOptions, string][] = [
  ['queue', 'Concurrent batch mode does not use a queue name (queues are for lazy-parallel mode).'],
  [
    'resultTtlSeconds',
    'Concurrent batch mode does not use a result TTL (results stay in-process).',
  ],
];

const nullableInt = z.number().int().nullable().default(null);

/**
 * Field types only; the ordered rules live in firstViolation() so the first failure wins with
 * the messages of docs/BATCH_PROFILES.md, which name fields, never CLI flags.
 */
const BatchOptionsShape = z
  .strictObject({
    mode: z.string().default('serial'),
    concurrency: z.number().int().default(1),
    queue: z.string().nullable().default(null),
    timeoutSeconds: nullableInt,
    waitTimeoutSeconds: nullableInt,
    resultTtlSeconds: nullableInt,
    chunkSize: nullableInt,
    rateLimit: nullableInt,
    rateWindowSeconds: nullableInt,
    checkpointEvery: nullableInt,
    dispatch: z.string().nullable().default(null),
  })
  .transform((options) => ({
    ...options,
    queue: options.queue === null ? null : options.queue.trim(),
  }))
  .superRefine((options, ctx) => {
    const violation = firstViolation(options);
    if (violation !== undefined)
      ctx.addIssue({
        code: 'custom',
        message: violation.message,
        params: { serialModeConflict: violation.serialModeConflict, fields: violation.fields },
      });
  });

/**
 * Invalid batch options. `serialModeConflict` marks a field that serial mode cannot use, and
 * `fields` names the fields at fault, so the CLI can say which flags fix it.
 */
export class BatchOptionsError extends EvalRunError {
  constructor(
    message: string,
    readonly serialModeConflict: boolean,
    readonly fields: readonly (keyof BatchOptions)[] = [],
  ) {
    super(message, { code: 'E_BATCH_OPTIONS' });
  }
}

interface Violation {
  readonly message: string;
  readonly serialModeConflict: boolean;
  readonly fields: readonly (keyof BatchOptions)[];
}

type UncheckedOptions = Omit<BatchOptions, 'mode' | 'dispatch'> & {
  mode: string;
  dispatch: string | null;
};

const violation = (message: string, ...fields: (keyof BatchOptions)[]): Violation => ({
  message,
  serialModeConflict: false,
  fields,
});

/** The rules in checking order; the first that fails is the one reported. */
function firstViolation(options: UncheckedOptions): Violation | undefined {
  return valueViolation(options) ?? serialModeViolation(options) ?? crossFieldViolation(options);
}

/** Each field on its own: the mode, the ranges, the dispatch strategy. */
function valueViolation(options: UncheckedOptions): Violation | undefined {
  if (!(BATCH_MODES as readonly string[]).includes(options.mode)) {
    return violation(
      `Unsupported batch mode '${options.mode}'. Supported modes: ${BATCH_MODES.join(', ')}.`,
      'mode',
    );
  }
  if (options.concurrency < 1)
    return violation('Batch concurrency must be greater than or equal to 1.', 'concurrency');
  if (options.queue === '')
    return violation('Batch queue name must be null or a non-empty string.', 'queue');
  for (const field of NULLABLE_NUMERIC_FIELDS) {
    const value = options[field];
    if (value !== null && value < 1) return violation(MESSAGES[field], field);
  }
  if (options.dispatch !== null && !isDispatchStrategy(options.dispatch)) {
    return violation(
      `Unsupported batch dispatch '${options.dispatch}'; expected one of: ${DISPATCH_STRATEGIES.join(', ')}.`,
      'dispatch',
    );
  }
  return undefined;
}

/** A field serial mode cannot use. */
function serialModeViolation(options: UncheckedOptions): Violation | undefined {
  if (options.mode !== 'serial') return undefined;
  if (options.concurrency !== 1)
    return { message: SERIAL_CONCURRENCY, serialModeConflict: true, fields: ['concurrency'] };
  for (const [field, message] of SERIAL_UNUSED)
    if (options[field] !== null) return { message, serialModeConflict: true, fields: [field] };
  return undefined;
}

/** Fields that do not fit together. */
function crossFieldViolation(options: UncheckedOptions): Violation | undefined {
  if (options.mode === 'concurrent') {
    for (const [field, message] of CONCURRENT_UNUSED)
      if (options[field] !== null) return violation(message, field);
  }
  if (options.rateWindowSeconds !== null && options.rateLimit === null) {
    return violation(
      'Batch rate window seconds is only meaningful with a rate limit; set rateLimit or clear rateWindowSeconds.',
      'rateWindowSeconds',
      'rateLimit',
    );
  }
  if (options.chunkSize !== null && options.chunkSize > options.concurrency) {
    return violation(
      `Batch chunk size (${options.chunkSize}) cannot exceed concurrency (${options.concurrency}): concurrency caps the fan-out, the chunk size can only narrow the dispatch window.`,
      'chunkSize',
      'concurrency',
    );
  }
  return undefined;
}

/** Validate and freeze batch options; throws BatchOptionsError (bad input, exit 2). */
export function createBatchOptions(input: BatchOptionsInput = {}): BatchOptions {
  const parsed = BatchOptionsShape.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where =
      issue !== undefined && issue.path.length > 0 ? `Batch option ${issue.path.join('.')}: ` : '';
    const params = issue?.code === 'custom' ? issue.params : undefined;
    const fields = (params?.['fields'] as (keyof BatchOptions)[] | undefined) ?? [];
    throw new BatchOptionsError(
      `${where}${issue?.message ?? 'invalid batch options'}`,
      params?.['serialModeConflict'] === true,
      issue !== undefined && issue.path.length > 0 ? [issue.path[0] as keyof BatchOptions] : fields,
    );
  }
  return Object.freeze(parsed.data as BatchOptions);
}

export function serialBatchOptions(): BatchOptions {
  return createBatchOptions({ mode: 'serial' });
}

export function isDispatchStrategy(value: unknown): value is DispatchStrategy {
  return (DISPATCH_STRATEGIES as readonly unknown[]).includes(value);
}

/** The strategy a concurrent or lazy-parallel run uses; null in serial mode (nothing to dispatch). */
export function effectiveDispatch(options: BatchOptions): DispatchStrategy | null {
  if (options.mode === 'serial') return null;
  return options.dispatch ?? 'rolling';
}

/** Samples in flight at most (E): chunkSize, else concurrency; 1 in serial mode. */
export function effectiveChunkSize(options: BatchOptions): number {
  if (options.mode === 'serial') return 1;
  return options.chunkSize ?? options.concurrency;
}
