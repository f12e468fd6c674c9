// Every code block of the README's Library section runs here as a library user would run it:
// the built package, a folder with a config, and (for the lazy-parallel example) a real Redis.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, makeWorkspace, runCli } from '../helpers/cli.js';
import { RedisServer } from '../helpers/redis-server.js';

const readme = readFileSync(`${REPO_ROOT}README.md`, 'utf8');
const library = readme.slice(readme.indexOf('## Library'), readme.indexOf('## More'));
const examples = [...library.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] as string);

let server: RedisServer;

beforeAll(async () => {
  server = await RedisServer.start();
});

afterAll(async () => {
  await server.stop();
});

function runNode(file: string, cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += String(chunk)));
    child.stderr.on('data', (chunk: Buffer) => (out += String(chunk)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('README Library examples', () => {
  it('has one example per mode, and one comparing two reports', () => {
    expect(examples).toHaveLength(5);
  });

  // What each example prints last: the line that shows it did what its text says. The first
  // sweep of a manifest has no earlier clean run to be gated against.
  const lastLines = [/^.*$/, /^1 true$/, /^complete 1$/, /^missing-baseline$/, /^.*$/];

  it.each(examples.map((code, index) => [index + 1, code] as const))(
    'example %i runs',
    async (number, code) => {
      const dir = await makeWorkspace({
        'qa.yml': [
          'name: qa',
          'samples:',
          '  - { id: q1, input: { n: 1 }, expected_output: "answer 1" }',
          '  - { id: q2, input: { n: 2 }, expected_output: "answer 2" }',
        ].join('\n'),
        'sut.mjs': "export default async ({ input }) => 'answer ' + input.n;\n",
        'eval-harness.config.json': JSON.stringify({
          datasets: { qa: { path: 'qa.yml', metrics: ['exact-match'] } },
          evalSets: { release: ['qa'] },
          sut: { type: 'module', path: './sut.mjs' },
          redis: { url: server.url, prefix: 'readme' },
        }),
      });
      // The comparison example reads two reports, written here by the CLI.
      for (const report of ['main.json', 'pr.json'])
        expect((await runCli(['run', 'qa', '--json', '--out', report], { cwd: dir })).code).toBe(0);
      const file = join(dir, 'example.mjs');
      await writeFile(
        file,
        code.replaceAll("from 'eval-harness'", `from '${REPO_ROOT}dist/index.js'`),
      );
      const { code: exit, out } = await runNode(file, dir);
      expect(out).not.toMatch(/Error/);
      expect(exit).toBe(0);
      expect(out.trim().split('\n').at(-1)).toMatch(lastLines[number - 1] as RegExp);
      if (number === 2) {
        expect(out).toContain('# Eval report — qa');
        expect(await readFile(join(dir, 'reports', 'junit.xml'), 'utf8')).toContain(
          '<testsuite name="qa" tests="2"',
        );
      }
    },
  );
});
