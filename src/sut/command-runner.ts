import { spawn } from 'node:child_process';
import { isPlainObject } from '../values.js';
import type { SampleRunner } from './sample-runner.js';
import type { SutAnswer } from './sut-answer.js';

export interface CommandRunnerSpec {
  /** Program and arguments; run without a shell. */
  readonly command: readonly string[];
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string>> | undefined;
  readonly timeoutSeconds?: number | undefined;
}

/**
 * A program as the system under test: the invocation JSON on stdin, the output on
 * stdout (minus one trailing newline). A non-zero exit, or the timeout (which kills it), fails
 * the sample. A program that prints a JSON object with a string `output` reports a whole answer
 * (`{ output, retrieved?, trajectory? }`); anything else printed is the output text.
 */
export function createCommandRunner(spec: CommandRunnerSpec): SampleRunner {
  return (invocation, { signal }) =>
    new Promise<string | SutAnswer>((resolve, reject) => {
      const [program, ...args] = spec.command as [string, ...string[]];
      const child = spawn(program, args, {
        cwd: spec.cwd,
        env: { ...process.env, ...spec.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let settled = false;
      const finish = (error: Error | undefined, output?: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(answerOf(output as string));
      };
      const kill = (reason: string): void => {
        child.kill('SIGKILL');
        finish(new Error(reason));
      };
      const timer =
        spec.timeoutSeconds === undefined
          ? undefined
          : setTimeout(
              () => kill(`command did not finish within ${spec.timeoutSeconds} s and was killed`),
              spec.timeoutSeconds * 1000,
            );
      const onAbort = (): void => kill('command was aborted and killed');
      signal.addEventListener('abort', onAbort, { once: true });
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('error', (error) =>
        finish(new Error(`command ${program} could not start: ${error.message}`)),
      );
      child.on('close', (code) => {
        if (code === 0) finish(undefined, stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout);
        else
          finish(
            new Error(
              `command ${program} exited with ${code}${stderr.trim() === '' ? '' : `: ${stderr.trim().split('\n').at(-1)}`}`,
            ),
          );
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(JSON.stringify({ id: invocation.id, input: invocation.input }));
    });
}

/** Printed JSON `{ "output": "…", … }` is a whole answer (checked by the caller); else text. */
function answerOf(printed: string): string | SutAnswer {
  if (!printed.trimStart().startsWith('{')) return printed;
  try {
    const parsed: unknown = JSON.parse(printed);
    return isPlainObject(parsed) && typeof parsed['output'] === 'string'
      ? (parsed as unknown as SutAnswer)
      : printed;
  } catch {
    return printed;
  }
}
