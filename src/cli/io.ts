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
  /** `--debug` anywhere on the command line: print stack traces and causes. */
  readonly debug?: boolean;
}

/** The exit code of a command stopped by a signal: 130 for SIGINT, 143 for SIGTERM. */
export function interruptedExitCode(signal: AbortSignal): number {
  return signal.reason === 'SIGTERM' ? 143 : 130;
}

/**
 * Call `onInterrupt` once when the process is interrupted; returns the way to stop listening.
 * While a command listens, the first Ctrl-C is its to handle (a second one exits at once).
 */
export function listenForInterrupt(io: CliIo, onInterrupt: () => void): () => void {
  const signal = io.interrupt;
  if (signal === undefined || signal.aborted) return () => undefined;
  signal.addEventListener('abort', onInterrupt, { once: true });
  return () => signal.removeEventListener('abort', onInterrupt);
}
