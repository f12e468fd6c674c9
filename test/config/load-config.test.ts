import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadConfig,
  normalizeBoolean,
  normalizeNonNegativeInt,
  normalizeTimeout,
  suggestKey,
} from '../../src/config/index.js';
import { ConfigError, InfraError } from '../../src/errors.js';
import { makeWorkspace } from '../helpers/cli.js';

const env = {};

describe('loadConfig', () => {
  it('works without a config file', async () => {
    const dir = await makeWorkspace();
    const loaded = await loadConfig({ cwd: dir, env });
    expect(loaded.path).toBeUndefined();
    expect(loaded.config).toEqual({});
    expect(loaded.runtime).toEqual({
      raiseExceptions: false,
      providerRetryAttempts: 0,
      providerRetrySleepMs: 100,
      metricConcurrency: 4,
    });
  });

  it('discovers .ts configs with defineConfig and loads them without a build step', async () => {
    const dir = await makeWorkspace({
      'eval-harness.config.ts': `interface Shape { datasets: Record<string, { path: string }> }\nconst config: Shape = { datasets: { qa: { path: 'qa.yml' } } };\nexport default config;\n`,
      'eval-harness.config.json': '{"datasets": {}}',
    });
    const loaded = await loadConfig({ cwd: dir, env });
    expect(loaded.path).toBe(join(dir, 'eval-harness.config.ts'));
    expect(loaded.config.datasets?.['qa']?.path).toBe('qa.yml');
  });

  it.each([
    ['eval-harness.config.json', '{"sut": {"type": "module", "path": "./sut.mjs"}}'],
    ['eval-harness.config.yaml', 'sut:\n  type: module\n  path: ./sut.mjs\n'],
    ['eval-harness.config.mjs', 'export default { sut: { type: "module", path: "./sut.mjs" } };'],
    ['eval-harness.config.cjs', 'module.exports = { sut: { type: "module", path: "./sut.mjs" } };'],
  ])('reads %s', async (name, contents) => {
    const dir = await makeWorkspace({ [name]: contents });
    expect((await loadConfig({ cwd: dir, env })).config.sut).toEqual({
      type: 'module',
      path: './sut.mjs',
    });
  });

  it('names unknown keys with their path and the nearest known key', async () => {
    const dir = await makeWorkspace({
      'top.json': '{"datsets": {}}',
      'nested.json': '{"datasets": {"qa": {"path": "x.yml", "metircs": ["exact-match"]}}}',
      'far.json': '{"zzzzzz": 1}',
      'type.json': '{"sut": {"type": "module", "path": 3}}',
      'kind.json': '{"sut": {"type": "grpc"}}',
    });
    const fail = (file: string) => loadConfig({ cwd: dir, configPath: file, env });
    await expect(fail('top.json')).rejects.toThrow(ConfigError);
    await expect(fail('top.json')).rejects.toThrow(
      /top\.json: \(top level\): unknown key "datsets" \(did you mean "datasets"\?\)/,
    );
    await expect(fail('nested.json')).rejects.toThrow(
      'datasets.qa: unknown key "metircs" (did you mean "metrics"?)',
    );
    await expect(fail('far.json')).rejects.toThrow('known keys: datasets, sut, metrics, runtime');
    await expect(fail('type.json')).rejects.toThrow('sut.path: expected string, received number');
    await expect(fail('kind.json')).rejects.toThrow(
      "sut.type: unsupported value. Expected 'module'",
    );
  });

  it('reports missing, unparsable and throwing config files', async () => {
    const dir = await makeWorkspace({
      'bad.json': '{nope',
      'throws.mjs': 'throw new Error("boom at import");',
      'noexport.mjs': 'export const x = 1;',
    });
    await expect(loadConfig({ cwd: dir, configPath: 'missing.ts', env })).rejects.toThrow(
      'Config file not found',
    );
    await expect(loadConfig({ cwd: dir, configPath: 'bad.json', env })).rejects.toThrow(
      'not valid JSON',
    );
    await expect(loadConfig({ cwd: dir, configPath: 'throws.mjs', env })).rejects.toThrow(
      InfraError,
    );
    await expect(loadConfig({ cwd: dir, configPath: 'noexport.mjs', env })).rejects.toThrow(
      'must have a default export',
    );
  });

  it('fills runtime defaults from env; the config file wins', async () => {
    const dir = await makeWorkspace({ 'c.json': '{"runtime": {"raiseExceptions": false}}' });
    const fromEnv = await loadConfig({
      cwd: dir,
      env: {
        EVAL_HARNESS_RAISE_EXCEPTIONS: 'true',
        EVAL_HARNESS_PROVIDER_RETRY_ATTEMPTS: '2',
        EVAL_HARNESS_PROVIDER_RETRY_SLEEP_MS: '25',
      },
    });
    expect(fromEnv.runtime).toEqual({
      raiseExceptions: true,
      providerRetryAttempts: 2,
      providerRetrySleepMs: 25,
      metricConcurrency: 4,
    });
    const fromFile = await loadConfig({
      cwd: dir,
      configPath: 'c.json',
      env: { EVAL_HARNESS_RAISE_EXCEPTIONS: 'true' },
    });
    expect(fromFile.runtime.raiseExceptions).toBe(false);
  });
});

describe('suggestKey', () => {
  it('suggests only near misses', () => {
    expect(suggestKey('datsets', ['datasets', 'sut'])).toBe('datasets');
    expect(suggestKey('concurency', ['concurrency', 'queue'])).toBe('concurrency');
    expect(suggestKey('zzzzzz', ['datasets', 'sut'])).toBeUndefined();
  });
});

describe('normalizers', () => {
  it('booleans', () => {
    for (const value of [true, 'true', '1', 'yes'])
      expect(normalizeBoolean(value, false)).toBe(true);
    for (const value of [false, 'false', '0', 'no'])
      expect(normalizeBoolean(value, true)).toBe(false);
    expect(normalizeBoolean('', true)).toBe(true);
    expect(normalizeBoolean('definitely', false)).toBe(false);
    expect(normalizeBoolean(2, false)).toBe(false);
    expect(normalizeBoolean(['true'], false)).toBe(false);
  });

  it('non-negative integers', () => {
    expect([0, '12', '0012', 12.9, '12.9'].map((v) => normalizeNonNegativeInt(v, 5))).toEqual([
      0, 12, 12, 12, 12,
    ]);
    for (const value of [-1, '-1', '', 'abc', Infinity, '999999999999999999999', 1e100])
      expect(normalizeNonNegativeInt(value, 5)).toBe(5);
    expect(normalizeNonNegativeInt('abc', -1)).toBe(0);
  });

  it('timeouts', () => {
    expect([30, '45', 45.9, '45.9'].map((v) => normalizeTimeout(v, 60))).toEqual([30, 45, 45, 45]);
    for (const value of [
      0,
      '0',
      -10,
      '-10',
      'abc',
      '30s',
      '',
      '   ',
      null,
      Number.NaN,
      Infinity,
      -Infinity,
      ['a'],
      true,
      false,
      {},
      '1e30',
    ]) {
      expect(normalizeTimeout(value, 60)).toBe(60);
    }
    expect(normalizeTimeout('abc', 0)).toBe(1);
    expect(normalizeTimeout('abc', -5)).toBe(1);
  });
});
