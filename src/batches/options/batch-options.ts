import * as z from 'zod';
import { EvalRunError } from '../../errors.js';
import { DISPATCH_STRATEGIES, type BatchOptions, type DispatchStrategy } from './fields.js';
import { firstBrokenRule } from './rules.js';

export {
  BATCH_MODES,
  DISPATCH_STRATEGIES,
  NULLABLE_NUMERIC_FIELDS,
  type BatchMode,
  type BatchOptions,
  type DispatchStrategy,
  type NullableNumericField,
} from './fields.js';

export type BatchOptionsInput = Partial<Omit<BatchOptions, 'mode' | 'dispatch'>> & {
  mode?: string;
  dispatch?: string | null;
};

const nullableInt = z.number().int().nullable().default(null);

/**
 * Field types only; the ordered rules, shared with profiles, live in batch-rules.ts so the first
 * failure wins with the messages of docs/BATCH_PROFILES.md, which name fields, never CLI flags.
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
    const broken = firstBrokenRule(options, 'options');
    if (broken?.options !== undefined)
      ctx.addIssue({
        code: 'custom',
        message: broken.options(options),
        params: { serialModeConflict: broken.serialModeConflict, fields: broken.fields },
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
