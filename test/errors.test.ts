import { describe, expect, it } from 'vitest';
import { BatchOptionsError, createBatchOptions } from '../src/batches/options/batch-options.js';
import {
  ConfigError,
  DatasetSchemaError,
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
