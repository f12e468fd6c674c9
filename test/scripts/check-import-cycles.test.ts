import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

async function checkFolder(files: Record<string, string>) {
  const root = await mkdtemp(join(tmpdir(), 'eval-harness-cycles-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return spawnSync(process.execPath, [`${REPO_ROOT}scripts/check-import-cycles.mjs`, root], {
    encoding: 'utf8',
  });
}

describe('the import circle check', () => {
  it('sees a circle made only of type imports and re-exports, and names its modules', async () => {
    const ran = await checkFolder({
      'reports/index.ts': "export { render } from './render.js';\n",
      'reports/render.ts':
        "import type { Result } from '../engine/run.js';\nexport const render = (r: Result) => r;\n",
      'engine/run.ts':
        "import type { render } from '../reports/index.js';\nexport type Result = ReturnType<typeof render>;\n",
    });
    expect(ran.status).toBe(1);
    expect(ran.stderr).toContain(
      'import circle of 3 modules: engine/run.ts, reports/index.ts, reports/render.ts',
    );
    expect(ran.stdout).toContain('3 modules, 1 import circles');
  });

  it('passes a folder whose imports all point one way', async () => {
    const ran = await checkFolder({
      'engine/run.ts':
        "import type { Report } from '../reports/model.js';\nexport type R = Report;\n",
      'reports/model.ts': 'export interface Report { readonly id: string }\n',
    });
    expect([ran.status, ran.stdout.trim()]).toEqual([0, '2 modules, 0 import circles']);
  });

  it('passes src/ itself', async () => {
    const ran = spawnSync(process.execPath, [`${REPO_ROOT}scripts/check-import-cycles.mjs`], {
      encoding: 'utf8',
    });
    expect([ran.status, ran.stderr]).toEqual([0, '']);
  });
});
