import type { Clock } from '../../clock.js';
import { RuntimeFailure, errorMessage } from '../../errors.js';
import type { SampleRunner } from '../../sut/index.js';
import { callSampleRunner } from '../dispatch/call-runner.js';
import {
  SampleJobPayloadSchema,
  describePayloadIssues,
  type SampleJobPayload,
  type ProducerIdentity,
} from './job-payload.js';
import type { BatchStatus, ResultStore } from './result-store.js';

/** A job that must fail without running and without retries (the worker maps it to BullMQ's). */
export class InvalidSampleJobError extends RuntimeFailure {
  constructor(message: string) {
    super(message, 'E_INVALID_JOB');
  }
}

/** What the processor needs of a BullMQ job. */
export interface ProcessableJob {
  readonly id?: string | undefined;
  readonly data: unknown;
  readonly attemptsMade: number;
  readonly opts: { readonly attempts?: number | undefined };
}

export interface SampleProcessorDeps {
  readonly store: ResultStore;
  /** Builds a runner from the worker's own config; never from a path in job data. */
  readonly resolveRunner: (name: string) => Promise<SampleRunner | undefined>;
  readonly clock: Clock;
  /** Where the batch status comes from; the worker pool passes a cache. @defaultValue the store */
  readonly batchStatus?: (batchId: string) => Promise<BatchStatus | undefined>;
  /** This worker's version and SUT fingerprint; a job queued by another is refused. */
  readonly identity?: ProducerIdentity;
  /** This worker's identity for a runner name (a SUT per dataset); wins over `identity`. */
  readonly identityFor?: (runner: string) => Promise<ProducerIdentity>;
  /** One line the first time a batch's jobs are skipped (it was aborted, finished or expired). */
  readonly onSkippedBatch?: (line: string) => void;
}

/** How many skipped batch ids a processor remembers, so it reports each once without growing. */
const REMEMBERED_SKIPS = 64;

/**
 * Run one sample job: validate the payload before anything runs, skip it when its batch is no
 * longer active (the producer gave up: nobody will read the outcome, and the SUT call may cost
 * money), build the runner by name, enforce the per-sample timeout (BullMQ has none), record the
 * outcome. A failure is recorded on the final attempt only, then rethrown so the queue marks the
 * job failed.
 */
export function createSampleProcessor(
  deps: SampleProcessorDeps,
): (job: ProcessableJob) => Promise<void> {
  const skippedBatches = new Set<string>();
  const batchStatus = deps.batchStatus ?? ((batchId: string) => deps.store.status(batchId));
  return async (job) => {
    const parsed = SampleJobPayloadSchema.safeParse(job.data);
    if (!parsed.success) {
      throw new InvalidSampleJobError(
        `invalid sample job payload (job ${job.id ?? '?'}): ${describePayloadIssues(parsed.error)}`,
      );
    }
    const payload = parsed.data;
    const status = await batchStatus(payload.batchId);
    if (status !== 'active') {
      if (!skippedBatches.has(payload.batchId)) {
        if (skippedBatches.size >= REMEMBERED_SKIPS) skippedBatches.clear();
        skippedBatches.add(payload.batchId);
        deps.onSkippedBatch?.(
          `skipping the jobs of batch '${payload.batchId}': it is ${status ?? 'expired'}, so nobody reads their outcomes`,
        );
      }
      return;
    }
    const identity =
      deps.identityFor === undefined ? deps.identity : await deps.identityFor(payload.runner);
    const stale = identity === undefined ? undefined : mismatch(identity, payload.producer);
    if (stale !== undefined) {
      // Recorded, so the producer ends the batch with this line instead of waiting it out.
      await recordFailure(deps.store, payload, stale);
      throw new InvalidSampleJobError(stale);
    }
    const runner = await deps.resolveRunner(payload.runner);
    if (runner === undefined) {
      const reason = `runner '${payload.runner}' is not defined in this worker's config`;
      await recordFailure(deps.store, payload, reason);
      throw new InvalidSampleJobError(reason);
    }
    // Retries happen here, inside the job: the job's slot in the producer's window is held
    // while it retries (docs/DECISIONS.md, retries in lazy-parallel mode).
    const { id, input, repeat } = payload.invocation;
    const invocation = repeat === undefined ? { id, input } : { id, input, repeat };
    const result = await callSampleRunner(runner, invocation, {
      timeoutSeconds: payload.timeoutSeconds,
      retries: payload.retries ?? 0,
      clock: deps.clock,
    });
    if (result.ok) {
      await deps.store.recordSuccess(
        payload.batchId,
        payload.index,
        payload.sampleId,
        result.answer,
        payload.resultTtlSeconds,
        result.attempts,
      );
      return;
    }
    const tries = result.attempts > 1 ? ` (after ${result.attempts} attempts)` : '';
    const reason = `${result.kind === 'error' ? result.reason : `the system under test ${result.reason}`}${tries}`;
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (finalAttempt) await recordFailure(deps.store, payload, reason, result.attempts);
    throw new Error(reason);
  };
}

/** Why this worker must not run the job, or undefined when it may. */
function mismatch(worker: ProducerIdentity, producer: ProducerIdentity): string | undefined {
  const sameVersion = worker.version === producer.version;
  const sameSut =
    worker.sutFingerprint === null ||
    producer.sutFingerprint === null ||
    worker.sutFingerprint === producer.sutFingerprint;
  if (sameVersion && sameSut) return undefined;
  const describe = (who: ProducerIdentity) =>
    `eval-harness ${who.version} with SUT ${who.sutFingerprint ?? '(unknown)'}`;
  return `stale worker: it runs ${describe(worker)}, but the job was queued by ${describe(producer)}; redeploy the workers with the producer's code and config`;
}

async function recordFailure(
  store: ResultStore,
  payload: SampleJobPayload,
  reason: string,
  attempts?: number,
): Promise<void> {
  try {
    await store.recordFailure(
      payload.batchId,
      payload.index,
      payload.sampleId,
      reason,
      payload.resultTtlSeconds,
      attempts,
    );
  } catch (error) {
    throw new Error(
      `Failed to record the failure of sample '${payload.sampleId}' (${reason}) in the result store: ${errorMessage(error)}`,
      { cause: error },
    );
  }
}
