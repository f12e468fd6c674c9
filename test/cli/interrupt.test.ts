// Signals reach commands as an AbortSignal from the entry point; these run a real child process,
// since only there does a signal arrive.
import { describe, expect, it } from 'vitest';
import { makeWorkspace, startCli } from '../helpers/cli.js';

const DATASET = `name: slow
samples:
  - { id: s1, input: { n: 1 }, expected_output: "x" }
`;

describe('signals', () => {
  it('stop a plain run at once with 130 on SIGINT and 143 on SIGTERM', async () => {
    const dir = await makeWorkspace({
      'ds.yml': DATASET,
      // Says it started on stderr, then never answers.
      'sut.mjs':
        'export default () => { process.stderr.write("sut started\\n"); return new Promise(() => setInterval(() => undefined, 1000)); };\n',
    });
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      const run = await startCli(['run', 'ds.yml', '--metric', 'exact-match', '--sut', 'sut.mjs'], {
        cwd: dir,
        readyText: 'sut started',
      });
      run.child.kill(signal);
      expect(await run.exited).toBe(code);
    }
  });
});
