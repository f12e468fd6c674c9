import { describe, expect, it } from 'vitest';
import { BatchOptionsError, createBatchOptions } from '../src/batches/options/batch-options.js';
import {
  ConfigError,
  DatasetSchemaError,
  EvalHarnessError,
  EvalRunError,
  InfraError,
  InputError,
  MetricError,
  MetricSpecError,
  ReportSchemaError,
  RuntimeFailure,
  SutError,
  UsageError,
} from '../src/errors.js';

describe('error classes', () => {
  it('fix their exit code by class: 2 for bad input, 3 for runtime failures', () => {
    const input = [
      new ConfigError('x'),
      new DatasetSchemaError('x'),
      new EvalRunError('x'),
      new MetricSpecError('x'),
      new UsageError('x'),
    ];
    const runtime = [
      new InfraError('x'),
      new MetricError('x'),
      new ReportSchemaError('x'),
      new SutError('x'),
    ];
    for (const error of input) {
      expect(error).toBeInstanceOf(InputError);
      expect(error.exitCode).toBe(2);
    }
    for (const error of runtime) {
      expect(error).toBeInstanceOf(RuntimeFailure);
      expect(error.exitCode).toBe(3);
    }
    // A failing system under test is a runtime failure, not a bad run request.
    expect(new SutError('x')).not.toBeInstanceOf(EvalRunError);
  });

  it('are all built on the project base, so each has an exit code and a stable code', async () => {
    const library = (await import('../src/index.js')) as Record<string, unknown>;
    const batches = (await import('../src/batches/index.js')) as Record<string, unknown>;
    const yaml = await import('../src/yaml.js');
    const classes = (
      [
        ...Object.entries(library),
        ...Object.entries(batches),
        ['YamlSyntaxError', yaml.YamlSyntaxError] as const,
      ] as [string, unknown][]
    )
      .filter(
        ([, value]) =>
          typeof value === 'function' &&
          (value as { prototype?: unknown }).prototype instanceof Error,
      )
      .map(([name, value]) => [name, value as new (message: string) => Error] as const);
    expect(classes.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        'ManifestError',
        'SutCallError',
        'InvalidSampleJobError',
        'YamlSyntaxError',
      ]),
    );
    for (const [name, Class] of classes) {
      if (isAbstract(name)) continue;
      expect(Class.prototype, name).toBeInstanceOf(EvalHarnessError);
      const error = new Class('x') as EvalHarnessError;
      expect([
        name,
        error.name,
        [2, 3].includes(error.exitCode),
        /^E_[A-Z_]+$/.test(error.code),
      ]).toEqual([name, name, true, true]);
    }
  });

  it('keep a code and a cause, and name themselves', () => {
    const cause = new Error('redis down');
    const error = new InfraError('store unreachable', { code: 'E_REDIS_UNREACHABLE', cause });
    expect(error.code).toBe('E_REDIS_UNREACHABLE');
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('InfraError');
    expect(new UsageError('x').code).toBe('E_USAGE');
  });

  it('mark a batch option that serial mode cannot use, so the CLI can say which flags fix it', () => {
    const conflict = (input: Parameters<typeof createBatchOptions>[0]) => {
      try {
        createBatchOptions(input);
      } catch (error) {
        expect(error).toBeInstanceOf(BatchOptionsError);
        return (error as BatchOptionsError).serialModeConflict;
      }
      throw new Error('expected the options to be refused');
    };
    expect(conflict({ mode: 'serial', rateLimit: 5 })).toBe(true);
    expect(conflict({ mode: 'serial', concurrency: 4 })).toBe(true);
    expect(conflict({ mode: 'serial', rateLimit: 0 })).toBe(false);
    expect(conflict({ mode: 'lazy-parallel', concurrency: 4, chunkSize: 8 })).toBe(false);
  });
});

/** The bases only exist to be extended. */
function isAbstract(name: string): boolean {
  return ['EvalHarnessError', 'InputError', 'RuntimeFailure'].includes(name);
}
