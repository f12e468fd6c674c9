/** Progress contracts (docs/PROGRESS.md), and the checkpoint rules written once. */

export const PROGRESS_STATUS = { success: 'success', failure: 'failure', empty: 'empty' } as const;
export type TerminalStatus = (typeof PROGRESS_STATUS)[keyof typeof PROGRESS_STATUS];

/** Receives a checkpoint every `checkpointEvery` completed samples of a batch. */
export interface BatchProgressReporter {
  reportCheckpoint(batchId: string, samplesCompleted: number, totalSamples: number): unknown;
}

/** Also receives exactly one terminal event per batch, so dashboards can tell failed from stalled. */
export interface BatchTerminalProgressReporter extends BatchProgressReporter {
  reportTerminal(
    batchId: string,
    samplesCompleted: number,
    totalSamples: number,
    status: TerminalStatus,
  ): unknown;
}

export const nullProgressReporter: BatchTerminalProgressReporter = {
  reportCheckpoint: () => undefined,
  reportTerminal: () => undefined,
};

export function isTerminalReporter(
  reporter: BatchProgressReporter,
): reporter is BatchTerminalProgressReporter {
  return typeof (reporter as Partial<BatchTerminalProgressReporter>).reportTerminal === 'function';
}

/**
 * Call a reporter without letting it change the run: a throw, or a rejected promise, is
 * swallowed.
 */
export function callSafely(call: () => unknown): void {
  try {
    const result = call();
    if (result instanceof Promise) result.catch(() => undefined);
  } catch {
    // A reporter never changes the result or masks the original failure.
  }
}

/** Send every event to several reporters; the terminal event only to those that take it. */
export function combineReporters(
  reporters: readonly BatchProgressReporter[],
): BatchTerminalProgressReporter {
  return {
    reportCheckpoint: (batchId, completed, total) => {
      for (const reporter of reporters)
        callSafely(() => reporter.reportCheckpoint(batchId, completed, total));
    },
    reportTerminal: (batchId, completed, total, status) => {
      for (const reporter of reporters) {
        if (isTerminalReporter(reporter))
          callSafely(() => reporter.reportTerminal(batchId, completed, total, status));
      }
    },
  };
}

/**
 * The checkpoint rules: one event per crossed multiple of `every`, even when
 * one window crosses several; a final event on success unless the total is a multiple; exactly
 * one forced event on failure.
 */
export class CheckpointTracker {
  private next: number;

  constructor(
    private readonly every: number | null,
    private readonly total: number,
    private readonly emit: (samplesCompleted: number) => void,
  ) {
    this.next = every ?? Number.POSITIVE_INFINITY;
  }

  /** Emit every threshold that `completed` has reached. */
  advance(completed: number): void {
    if (this.every === null) return;
    while (completed >= this.next && this.next <= this.total) {
      this.emit(this.next);
      this.next += this.every;
    }
  }

  finishSuccess(completed: number): void {
    if (this.every === null) return;
    this.advance(completed);
    if (this.total > 0 && this.total % this.every === 0) return;
    this.emit(completed);
  }

  finishFailure(reported: number): void {
    if (this.every === null) return;
    this.emit(reported);
  }
}
