import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createEvalSet,
  createManifestWriter,
  readEvalSetManifest,
  runEvalSetWithManifest,
} from '../../src/eval-sets/index.js';
import { loadRunManifest } from '../../src/adversarial/index.js';
import { createSample } from '../../src/datasets/index.js';
import { EvalEngine } from '../../src/engine/index.js';
import { SutError } from '../../src/errors.js';
import { summarizeReport } from '../../src/reports/index.js';
import { FakeClock } from '../helpers/fake-clock.js';

const engine = new EvalEngine();
for (const name of ['first', 'second', 'third'])
  engine
    .dataset(name)
    .withSamples([createSample({ id: `${name}-1`, input: {}, expectedOutput: 'ok' })])
    .withMetrics(['exact-match'])
    .register();

/** Runs a dataset by scoring the answer 'ok'; `broken` names one that fails like a crashed SUT. */
const runOne = (broken?: string) => async (name: string) => {
  if (name === broken) throw new SutError(`System-under-test failed for sample '${name}-1': down`);
  const report = await engine.scoreOutputs(name, { [`${name}-1`]: 'ok' });
  return { report, summary: summarizeReport(report), gates: undefined };
};

describe('eval sets in the application layer', () => {
  it('writes the manifest as it goes and resumes after the dataset that stopped it', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'eh-set-')), 'set.json');
    const definition = createEvalSet('release', ['first', 'second', 'third']);
    const clock = new FakeClock();
    const stopped = await runEvalSetWithManifest({
      definition,
      writer: createManifestWriter(path),
      clock,
      runOne: runOne('second'),
    });
    expect(stopped.outcomes.map((o) => o.report.datasetName)).toEqual(['first']);
    expect(stopped.result.stoppedBy).toMatchObject({ dataset: 'second', previously: false });
    const saved = await readEvalSetManifest(path);
    expect(saved?.entries.map((e) => e.status)).toEqual(['completed', 'failed', 'pending']);

    const resumed = await runEvalSetWithManifest({
      definition,
      manifest: saved?.resetFailed(clock.nowSeconds()),
      writer: createManifestWriter(path),
      clock,
      runOne: runOne(),
    });
    // The completed dataset is not run again.
    expect(resumed.outcomes.map((o) => o.report.datasetName)).toEqual(['second', 'third']);
    expect((await readEvalSetManifest(path))?.entries.map((e) => e.status)).toEqual([
      'completed',
      'completed',
      'completed',
    ]);
  });

  it('reads no manifest as a first run, and names the file of a broken one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eh-set-'));
    expect(await readEvalSetManifest(join(dir, 'none.json'))).toBeUndefined();
    await writeFile(join(dir, 'bad.json'), '{oops');
    await expect(readEvalSetManifest(join(dir, 'bad.json'))).rejects.toThrow(
      `Eval set manifest '${join(dir, 'bad.json')}' is not valid JSON`,
    );
  });
});

describe('manifests that cannot be checked', () => {
  it('raise instead of starting over, for eval sets and adversarial runs alike', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eh-set-'));
    await writeFile(join(dir, 'file'), 'not a folder');
    // "Not a directory" is not "no manifest yet": reading it as a first run would overwrite it.
    const notDirectory = join(dir, 'file', 'm.json');
    const unreadable = {
      exitCode: 3,
      message: expect.stringMatching(/could not be read: .*ENOTDIR/),
    };
    await expect(readEvalSetManifest(notDirectory)).rejects.toMatchObject(unreadable);
    await expect(loadRunManifest(notDirectory, 'adv')).rejects.toMatchObject(unreadable);
  });

  it('refuse a manifest path that is a folder, and a broken file, with exit 2 for both kinds', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eh-set-'));
    await expect(readEvalSetManifest(dir)).rejects.toMatchObject({
      exitCode: 2,
      message: `Eval set manifest '${dir}' is not a file. Pass the path of a file.`,
    });
    await writeFile(join(dir, 'broken.json'), '{"runs": 1');
    for (const read of [readEvalSetManifest, (path: string) => loadRunManifest(path, 'adv')])
      await expect(read(join(dir, 'broken.json'))).rejects.toMatchObject({
        exitCode: 2,
        code: 'E_MANIFEST',
        message: expect.stringMatching(
          /manifest '.*broken\.json' is not valid JSON: .*Fix or delete it\.$/,
        ),
      });
  });
});
