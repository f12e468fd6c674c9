import * as z from 'zod';
import { isPlainObject, type Json } from '../../values.js';

/**
 * The payload of one sample job. Validated by the worker before anything runs:
 * an invalid payload fails the job and is never executed. The runner travels by name only; the
 * worker builds it from its own config and never imports a path from job data.
 */
export const SampleJobPayloadSchema = z
  .strictObject({
    batchId: z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex characters'),
    index: z.number().int().min(0),
    sampleId: z.string().min(1),
    invocation: z.strictObject({
      id: z.string().min(1),
      // BullMQ hands the worker its job data through JSON.parse, so every value in here is JSON
      // already; walking them again with z.json() doubled the validation cost of each job.
      input: z.custom<Record<string, Json>>(isPlainObject, 'must be an object of input fields'),
      repeat: z.number().int().min(0).optional(),
    }),
    runner: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be a runner name, not a path'),
    resultTtlSeconds: z.number().int().min(1),
    /** Each SUT call's timeout (per attempt): the smaller of the batch's and the SUT's. */
    timeoutSeconds: z.number().positive().nullable(),
    /** Extra SUT calls after a failed one (absent: none). */
    retries: z.number().int().min(0).max(20).optional(),
    /** Who queued the job, so a worker that runs other code or another SUT can refuse it. */
    producer: z.strictObject({
      version: z.string().min(1),
      /** A fingerprint of the SUT definition the producer resolved; null when it has none. */
      sutFingerprint: z.string().min(1).nullable(),
    }),
  })
  .refine((payload) => payload.invocation.id === payload.sampleId, {
    message: 'sampleId must equal invocation.id',
    path: ['sampleId'],
  });

export type SampleJobPayload = z.infer<typeof SampleJobPayloadSchema>;

/** The name of the runner built from the config's `sut` entry. */
export const CONFIG_SUT_RUNNER = 'sut';

export function describePayloadIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`)
    .join('; ');
}

/** What a producer stamps on its jobs and a worker compares with its own. */
export type ProducerIdentity = SampleJobPayload['producer'];
