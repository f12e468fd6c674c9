// Signals reach commands as an AbortSignal from the entry point; these run a real child process,
// since only there does a signal arrive.
import { describe, expect, it } from 'vitest';
import { makeWorkspace, startCli } from '../helpers/cli.js';

const DATASET = `name: slow
samples:
  - { id: s1, input: { n: 1 }, expected_output: "x" }
`;

/** A run whose SUT says it started on stderr, then never answers. */
async function startHangingRun() {
  const dir = await makeWorkspace({
    'ds.yml': DATASET,
    'sut.mjs':
      'export default () => { process.stderr.write("sut started\\n"); return new Promise(() => setInterval(() => undefined, 1000)); };\n',
  });
  return startCli(['run', 'ds.yml', '--metric', 'exact-match', '--sut', 'sut.mjs'], {
    cwd: dir,
    readyText: 'sut started',
  });
}

describe('signals', () => {
  it('stop a run with 143 on SIGTERM after the grace period, printing the partial report', async () => {
    const run = await startHangingRun();
    const started = Date.now();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(143);
    // The sample in flight had its grace period, then the report went out: nothing scored.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4500);
    expect(run.output()).toContain(
      '**Run interrupted: 0 of 1 sample(s) scored, 0 errored, 1 not run.**',
    );
    expect(run.output()).toContain('slow: Run interrupted: 0 of 1 sample(s) scored');
  });

  it('a second Ctrl-C exits at once with 130', async () => {
    const run = await startHangingRun();
    const started = Date.now();
    run.child.kill('SIGINT');
    for (let i = 0; i < 100 && !run.output().includes('SIGINT received'); i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(run.output()).toContain('press Ctrl-C again to exit at once');
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(Date.now() - started).toBeLessThan(4000);
  });
});
