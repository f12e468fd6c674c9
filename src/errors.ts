/**
 * Error classes of eval-harness. This file is a leaf: it imports nothing.
 *
 * Every error a user can cause carries a stable `code` and the process exit code the CLI
 * returns for it, fixed by its class: 2 for bad input (nothing was run), 3 for runtime or
 * infrastructure failures. Captured per-sample metric failures are results, not exceptions.
 */
export type ExitCode = 2 | 3;

/**
 * The process exit codes (docs/ARCHITECTURE.md): 0 clean, 1 the evaluation failed (captured
 * failures or a gate), 2 bad input (nothing was run), 3 a runtime or infrastructure failure.
 */
export const EXIT_CODES = { ok: 0, evaluationFailed: 1, badInput: 2, runtimeFailure: 3 } as const;

interface ErrorOptions {
  readonly code?: string;
  readonly cause?: unknown;
}

/**
 * Every error eval-harness raises on purpose. Its class says what went wrong, and so which exit
 * code the CLI returns: callers never choose or override it.
 */
export abstract class EvalHarnessError extends Error {
  abstract readonly exitCode: ExitCode;
  readonly code: string;

  constructor(message: string, defaultCode: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? defaultCode;
  }
}

/** Bad input from the user: a flag, config, dataset, outputs file or manifest (exit 2). */
export abstract class InputError extends EvalHarnessError {
  readonly exitCode = EXIT_CODES.badInput;
}

/** A runtime or infrastructure failure: the user's input was fine (exit 3). */
export abstract class RuntimeFailure extends EvalHarnessError {
  readonly exitCode = EXIT_CODES.runtimeFailure;
}

/** A dataset file or programmatic dataset that does not follow the dataset schema. */
export class DatasetSchemaError extends InputError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, 'E_DATASET', options);
  }
}

/** A run that cannot start as asked: unknown dataset, bad saved outputs, invalid batch options. */
export class EvalRunError extends InputError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, 'E_RUN', options);
  }
}

/** A metric name or spec that does not resolve to a usable metric (an input of the run). */
export class MetricSpecError extends InputError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, 'E_METRIC_SPEC', options);
  }
}

/** Invalid command-line usage: a bad flag value or combination. */
export class UsageError extends InputError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, 'E_USAGE', options);
  }
}

/** A saved report given to `compare` or `--baseline` that cannot be read as a report of this tool. */
export class ReportFileError extends InputError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, 'E_REPORT_FILE', options);
  }
}

/**
 * A manifest file (eval-set progress, adversarial run history) that holds what cannot be parsed
 * or accepted: the run was not started; fix or delete the file.
 */
export class ManifestError extends InputError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, 'E_MANIFEST', options);
  }
}

/** The config file is missing, unparsable or does not match the schema. */
export class ConfigError extends InputError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, 'E_CONFIG', options);
  }
}

/**
 * A metric could not score a sample. Captured as a sample failure during a run; it only escapes
 * in strict mode (`runtime.raiseExceptions`).
 */
export class MetricError extends RuntimeFailure {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, 'E_METRIC', options);
  }
}

/** The system under test could not answer a sample (e.g. a prompt template names a missing field): that sample's error. */
export class SutError extends RuntimeFailure {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, 'E_SUT', options);
  }
}

/** A report that cannot be built or encoded. */
export class ReportSchemaError extends RuntimeFailure {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, 'E_REPORT', options);
  }
}

/**
 * Something outside the user's input failed: Redis, a file write, a batch deadline, corrupt data
 * read back from the result store, user code that threw.
 */
export class InfraError extends RuntimeFailure {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, 'E_INFRA', options);
  }
}

/** The message of anything thrown, without assuming it is an Error. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
