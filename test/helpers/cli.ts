import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** The built binary, as a user runs it (`npm test` builds first). */
export const BIN = fileURLToPath(new URL('../../bin/eval-harness.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `eval-harness <args>` as a child process. */
export function runCli(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env['PATH'] ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The command failed with `code` and one stderr line holding `fragment`: no stdout, no stack. */
export function expectOneLineError(result: CliResult, code: number, fragment: string): void {
  expect(result.code).toBe(code);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(fragment);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

/** A long-running CLI process (e.g. `eval-harness worker`), started and awaited by tests. */
export interface BackgroundCli {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit code once the process ends. */
  readonly exited: Promise<number | null>;
}

/** Start `eval-harness <args>` in the background; resolves once stderr shows `readyText`. */
export async function startCli(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; readyText: string },
): Promise<BackgroundCli> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env['PATH'] ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => resolve(code)),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes(options.readyText)) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(timer);
      reject(
        new Error(
          `eval-harness ${args.join(' ')} exited with ${code} before it was ready: ${output}`,
        ),
      );
    });
  });
  return { child, output: () => output, exited };
}

/** A fresh temporary folder holding the given files (paths relative to it). */
export async function makeWorkspace(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'eval-harness-test-'));
  for (const [path, contents] of Object.entries(files)) {
    const full = join(dir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, contents);
  }
  return dir;
}

/**
 * A dataset file of `count` samples `s0`, `s1`, … with input `n` = the index and expected output
 * `answer <n>`; `extra(i)` adds fields to sample i (e.g. `, metadata: { … }`).
 */
export function numberedDatasetYaml(
  name: string,
  count: number,
  extra: (index: number) => string = () => '',
): string {
  return [
    `name: ${name}`,
    'samples:',
    ...Array.from(
      { length: count },
      (_, i) => `  - { id: s${i}, input: { n: ${i} }, expected_output: "answer ${i}"${extra(i)} }`,
    ),
  ].join('\n');
}

/** A two-sample dataset used by many CLI tests. */
export const DEMO_DATASET = `name: demo
samples:
  - id: s1
    input: { question: "Capital of France?" }
    expected_output: Paris
    metadata: { tags: [geo] }
  - id: s2
    input: { question: "Capital of Italy?" }
    expected_output: Rome
`;

/**
 * A lazy-parallel run of dataset `qa` on `queue` whose only worker is killed with SIGKILL
 * mid-batch and replaced: the run's result. Workers get short locks, so the killed worker's jobs
 * are declared stalled within seconds.
 */
export async function runKillingTheWorker(
  cwd: string,
  queue: string,
  startWorker: (env: Record<string, string>) => Promise<BackgroundCli>,
): Promise<CliResult> {
  const env = { EVAL_HARNESS_WORKER_LOCK_MS: '1500' };
  const victim = await startWorker(env);
  const args = ['run', 'qa', '--batch=lazy-parallel', '--queue', queue, '--concurrency=8'];
  const run = runCli([...args, '--batch-timeout=30', '--json', '--no-progress'], { cwd });
  await new Promise((resolve) => setTimeout(resolve, 600));
  victim.child.kill('SIGKILL');
  await startWorker(env);
  return run;
}
