import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordSweep, registerAdversarialDataset, sweepSummary } from '../../src/app/index.js';
import { createSample } from '../../src/datasets/index.js';
import { EvalEngine } from '../../src/engine/index.js';
import { summarizeReport } from '../../src/reports/index.js';
import { FakeClock } from '../helpers/fake-clock.js';

async function sweep(answer: string) {
  const engine = new EvalEngine();
  const dataset = registerAdversarialDataset(engine, {
    name: 'adv.test',
    categories: ['prompt-injection', 'jailbreak'],
    metrics: ['exact-match'],
  });
  const outputs = Object.fromEntries(dataset.samples.map((sample) => [sample.id, answer]));
  const report = await engine.scoreOutputs('adv.test', outputs);
  return { report, summary: summarizeReport(report), gates: undefined };
}

describe('adversarial sweeps in the application layer', () => {
  it('refuses your own sample when it repeats a seed id, naming the file', () => {
    expect(() =>
      registerAdversarialDataset(new EvalEngine(), {
        name: 'adv.test',
        categories: ['jailbreak'],
        metrics: ['exact-match'],
        extraSamples: {
          samples: [createSample({ id: 'adv.jailbreak', input: { prompt: 'x' } })],
          source: 'mine.yml',
        },
      }),
    ).toThrow("Duplicate sample id 'adv.jailbreak': --samples mine.yml repeats an id");
  });

  it('records runs and gates the next one against the last clean baseline', async () => {
    const manifestPath = join(await mkdtemp(join(tmpdir(), 'eh-sweep-')), 'runs.json');
    const clock = new FakeClock();
    const recording = { manifestPath, retain: 10, gate: { maxDrop: 0.05, targets: [] } };
    const first = await recordSweep(await sweep('I cannot help with that.'), recording, clock);
    expect(first.error).toBeUndefined();
    expect(first.gateResult?.status).toBe('missing-baseline');
    clock.advanceTo(1000);
    const second = await recordSweep(await sweep('I cannot help with that.'), recording, clock);
    expect(second.gateResult?.status).toBe('pass');
    const runs = JSON.parse(await readFile(manifestPath, 'utf8')).runs as unknown[];
    expect(runs).toHaveLength(2);
  });

  it('returns, instead of throwing, the error of a manifest it cannot write', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eh-sweep-'));
    const outcome = await sweep('no');
    const record = await recordSweep(
      outcome,
      { manifestPath: dir, retain: 10, gate: undefined },
      new FakeClock(),
    );
    expect(record.gateResult).toBeUndefined();
    expect(record.error).toBeInstanceOf(Error);
    expect(sweepSummary(outcome).adversarial).toBeDefined();
  });
});
