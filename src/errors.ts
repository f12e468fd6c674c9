/**
 * Error classes of eval-harness. This file is a leaf: it imports nothing.
 *
 * Every error a user can cause carries a stable `code` and the process `exitCode` the CLI
 * returns for it (design.md §3): 2 for bad input (nothing was run), 3 for runtime or
 * infrastructure failures. Captured per-sample metric failures are results, not exceptions.
 */
export type ExitCode = 2 | 3;

export class EvalHarnessError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;

  constructor(
    message: string,
    options: { code?: string; exitCode?: ExitCode; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'E_EVAL_HARNESS';
    this.exitCode = options.exitCode ?? 2;
  }
}

/** A dataset file or programmatic dataset that does not follow the dataset schema (exit 2). */
export class DatasetSchemaError extends EvalHarnessError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: 'E_DATASET', ...options, exitCode: 2 });
  }
}

/**
 * A metric could not score a sample. Captured as a sample failure during a run; when it escapes
 * (strict `runtime.raiseExceptions`, or a resolver error before the run) it keeps `exitCode`.
 */
export class MetricError extends EvalHarnessError {
  constructor(
    message: string,
    options: { code?: string; exitCode?: ExitCode; cause?: unknown } = {},
  ) {
    super(message, { code: 'E_METRIC', exitCode: 3, ...options });
  }
}

/** A run could not start or continue: unknown dataset, bad saved outputs (2), a failing SUT (3). */
export class EvalRunError extends EvalHarnessError {
  constructor(
    message: string,
    options: { code?: string; exitCode?: ExitCode; cause?: unknown } = {},
  ) {
    super(message, { code: 'E_RUN', exitCode: 2, ...options });
  }
}

/** The system under test failed, threw, or returned a non-string; the dataset is aborted (exit 3). */
export class SutError extends EvalRunError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: 'E_SUT', ...options, exitCode: 3 });
  }
}

/** A report that cannot be built or encoded (exit 3). */
export class ReportSchemaError extends EvalHarnessError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: 'E_REPORT', ...options, exitCode: 3 });
  }
}

/** Invalid command-line usage: a bad flag value or combination (exit 2). */
export class UsageError extends EvalHarnessError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: 'E_USAGE', ...options, exitCode: 2 });
  }
}

/** The config file is missing, unparsable or does not match the schema (exit 2). */
export class ConfigError extends EvalHarnessError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: 'E_CONFIG', ...options, exitCode: 2 });
  }
}

/** Something outside the user's input failed: a file write, user code that threw (exit 3). */
export class InfraError extends EvalHarnessError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: 'E_INFRA', ...options, exitCode: 3 });
  }
}

/** The message of anything thrown, without assuming it is an Error. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
