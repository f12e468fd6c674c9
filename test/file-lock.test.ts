import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { describe, expect, it } from 'vitest';
import { InfraError } from '../src/errors.js';
import { withFileLock } from '../src/file-lock.js';

describe('file lock', () => {
  it('runs one holder at a time, in order', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'eh-lock-')), 'sub', 'm.json');
    const order: string[] = [];
    const hold = (name: string, ms: number) =>
      withFileLock(path, { what: 'test manifest' }, async () => {
        order.push(`${name} in`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        order.push(`${name} out`);
      });
    await Promise.all([hold('a', 80), hold('b', 10)]);
    expect(order).toEqual(['a in', 'a out', 'b in', 'b out']);
  });

  it('gives up after its wait with one line naming the file (a runtime failure, exit 3)', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'eh-lock-')), 'm.json');
    await writeFile(path, '{}');
    const release = await lockfile.lock(path, { realpath: false });
    try {
      const error = await withFileLock(path, { what: 'eval-set manifest', waitMs: 200 }, () =>
        Promise.resolve('ran'),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InfraError);
      expect((error as InfraError).exitCode).toBe(3);
      expect((error as Error).message).toMatch(
        new RegExp(`^Failed to lock eval-set manifest '${path}': `),
      );
    } finally {
      await release();
    }
  });
});
