/** The process edges a command may touch, injected so tests can run `main` in-process. */
export interface CliIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown; isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /**
   * Aborted, with the signal's name as the reason, when the process is asked to stop (SIGINT,
   * SIGTERM). A command that owes cleanup (a manifest write, draining a worker) listens, does it
   * and returns; without a listener the process stops at once with 130 / 143.
   */
  readonly interrupt?: AbortSignal;
}

/** The exit code of a command stopped by a signal: 130 for SIGINT, 143 for SIGTERM. */
export function interruptedExitCode(signal: AbortSignal): number {
  return signal.reason === 'SIGTERM' ? 143 : 130;
}

/**
 * Wait for `work`, unless the process is interrupted first: then `cleanup` runs (say what
 * happens, write what must be written) and the signal's exit code comes back instead. The work
 * is abandoned, and whatever it does next does not surface.
 */
export async function untilInterrupted<T>(
  io: CliIo,
  work: Promise<T>,
  cleanup: (signal: string) => Promise<unknown>,
): Promise<{ readonly done: T } | { readonly exitCode: number }> {
  const interrupt = io.interrupt;
  if (interrupt === undefined) return { done: await work };
  work.catch(() => undefined);
  const finished = new AbortController();
  const interrupted = new Promise<number>((resolveExit) => {
    interrupt.addEventListener(
      'abort',
      () =>
        void cleanup(String(interrupt.reason)).finally(() =>
          resolveExit(interruptedExitCode(interrupt)),
        ),
      { once: true, signal: finished.signal },
    );
  });
  try {
    return await Promise.race([
      work.then((done) => ({ done })),
      interrupted.then((exitCode) => ({ exitCode })),
    ]);
  } finally {
    finished.abort();
  }
}
