// Generated bad input through the whole CLI, in-process: configs, dataset files, saved outputs,
// manifests and flag values, valid and broken. Whatever the input, eval-harness must end with
// exit 0, 1 or 2: never 3 (nothing here touches a service), never a crash. An exit 2 is one line
// that names the file, key or flag at fault, and leaves the folder as it was.
import { mkdir, mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

/**
 * Cases per run, and the seed: fixed so `npm test` is repeatable; set them to explore, e.g.
 * `EVAL_HARNESS_PROPERTY_RUNS=20000 EVAL_HARNESS_PROPERTY_SEED=7 npx vitest run generated-inputs`.
 */
const RUNS = Number(process.env['EVAL_HARNESS_PROPERTY_RUNS'] ?? 2000);
const SEED = Number(process.env['EVAL_HARNESS_PROPERTY_SEED'] ?? 20261202);

/** Right for every sample but `s2`, so gates and metrics can fail too (exit 1). */
const SUT = `export default ({ input }) => input?.n === 2 ? 'wrong' : 'answer ' + String(input?.n ?? '');\n`;

/** One sample per dataset: a rate limit drawn by the generator can then never make a case wait. */
const sampleOf = (n: number) => ({ id: `s${n}`, input: { n }, expected_output: `answer ${n}` });
const validDataset = (name: string, n: number) => ({ name, samples: [sampleOf(n)] });

const validConfig = () => ({
  datasets: {
    qa: { path: 'qa.yml', metrics: ['exact-match'] },
    second: { path: 'second.json', metrics: ['exact-match'] },
  },
  sut: { type: 'module', path: './sut.mjs' },
  evalSets: { release: ['qa', 'second'] },
});

/** Values a user gets wrong: types, signs, blanks, near-misses of real names. */
const oddValue = fc.constantFrom<unknown>(
  -1,
  0,
  1.5,
  1e12,
  Number.MAX_SAFE_INTEGER,
  '',
  ' ',
  'x',
  'none',
  'null',
  '../missing.mjs',
  'missing.yml',
  'exact-match',
  'serial',
  '10',
  true,
  false,
  null,
  [],
  {},
  ['x'],
  [1, 2],
  { path: 'missing.mjs' },
  { type: 'module', path: 'missing.mjs' },
  { type: 'nope' },
  { unknown: 1 },
);

/** A key path into a config or a dataset: mostly real keys, sometimes a new one. */
const CONFIG_PATHS: readonly (readonly string[])[] = [
  ['datasets'],
  ['datasets', 'qa'],
  ['datasets', 'qa', 'path'],
  ['datasets', 'qa', 'metrics'],
  ['datasets', 'qa', 'metrics', '0'],
  ['datasets', 'second', 'path'],
  ['sut'],
  ['sut', 'type'],
  ['sut', 'path'],
  ['sut', 'export'],
  ['metrics'],
  ['metrics', 'mine'],
  ['runtime'],
  ['runtime', 'raiseExceptions'],
  ['runtime', 'metricConcurrency'],
  ['runtime', 'providerRetryAttempts'],
  ['batches'],
  ['batches', 'profiles'],
  ['batches', 'profiles', 'smoke'],
  ['batches', 'profiles', 'smoke', 'concurrency'],
  ['batches', 'profiles', 'mine'],
  ['batches', 'profiles', 'mine', 'mode'],
  ['batches', 'profiles', 'mine', 'extends'],
  ['batches', 'lazyParallel', 'resultTtlSeconds'],
  ['progress', 'reporter'],
  ['progress', 'reporter', 'path'],
  ['redis', 'url'],
  ['redis', 'cluster'],
  ['redis', 'prefix'],
  ['providers', 'judge', 'timeoutSeconds'],
  ['evalSets'],
  ['evalSets', 'release'],
  ['evalSets', 'release', '1'],
  ['surprise'],
];

const SAMPLE_PATHS: readonly (readonly string[])[] = [
  ['name'],
  ['schema_version'],
  ['metrics'],
  ['samples'],
  ['samples', '0'],
  ['samples', '0', 'id'],
  ['samples', '0', 'input'],
  ['samples', '0', 'expected_output'],
  ['samples', '0', 'metadata'],
  ['samples', '0', 'metadata', 'tags'],
  ['samples', '0', 'metadata', 'citations'],
  ['samples', '1'],
];

function setPath(target: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  const base: Record<string, unknown> =
    typeof target === 'object' && target !== null ? { ...(target as object) } : {};
  if (Array.isArray(target)) {
    const copy = [...target];
    copy[Number(head)] = setPath(copy[Number(head)], rest, value);
    return copy;
  }
  base[head] = setPath(base[head], rest, value);
  return base;
}

/** A structure kept, broken at a few places, or replaced by text that does not parse. */
function mutated(
  valid: unknown,
  paths: readonly (readonly string[])[],
): fc.Arbitrary<{ value: unknown } | { text: string }> {
  const edits = fc.array(fc.tuple(fc.constantFrom(...paths), oddValue), { maxLength: 3 });
  return fc.oneof(
    { weight: 10, arbitrary: fc.constant({ value: valid }) },
    {
      weight: 4,
      arbitrary: edits.map((list) => ({
        value: list.reduce((acc, [path, value]) => setPath(acc, path, value), valid),
      })),
    },
    {
      weight: 1,
      arbitrary: fc.nat({ max: 200 }).map((cut) => ({ text: JSON.stringify(valid).slice(0, cut) })),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((text) => ({ text })) },
  );
}

const asText = (content: { value: unknown } | { text: string }, format: 'json' | 'yaml'): string =>
  'text' in content
    ? content.text
    : format === 'json'
      ? JSON.stringify(content.value)
      : dump(content.value);

const flagValue = fc.constantFrom(
  '2',
  '4',
  '8',
  '16',
  '',
  ' ',
  '0',
  '1',
  '-1',
  '1.5',
  '2e3',
  '100000',
  'abc',
  'none',
  'null',
  '∞',
  '0x10',
  ' 3 ',
);

/** One batch or run flag with a value, lazy-parallel ones only with --dry-run (no Redis here). */
const batchFlag = fc.oneof(
  fc.tuple(
    fc.constantFrom(
      'concurrency',
      'timeout',
      'batch-timeout',
      'result-ttl-seconds',
      'chunk-size',
      'rate-window-seconds',
      'checkpoint-every',
      'queue',
    ),
    flagValue,
  ),
  fc.tuple(fc.constant('rate-limit'), fc.constantFrom('none', '0', '-1', 'abc', '', '100000')),
  fc.tuple(fc.constant('batch'), fc.constantFrom('serial', 'concurrent', 'nope', '', 'none')),
  fc.tuple(fc.constant('batch-profile'), fc.constantFrom('smoke', 'mine', 'missing', '', 'none')),
  fc.tuple(fc.constant('dispatch'), fc.constantFrom('rolling', 'windowed', 'sideways', '', 'none')),
);

const otherFlags = fc.subarray(
  [
    ['--json'],
    ['--markdown'],
    ['--out', 'report.out'],
    ['--junit', 'junit.xml'],
    ['--progress-file', 'progress.ndjson'],
    ['--no-progress'],
    ['--fail-under', 'exact-match=0.5'],
    ['--fail-under', 'exact-match:p99=2'],
    ['--fail-under', 'macro_f1'],
    ['--metric', 'exact-match'],
    ['--metric', 'rouge-l'],
    ['--metric', 'no-such-metric'],
    ['--metric', 'regex'],
    ['--local-workers', '2'],
    ['--redis-url', 'redis://127.0.0.1:1'],
  ],
  { maxLength: 4 },
);

const lazyFlag = fc.oneof(
  fc.constant(['--batch', 'lazy-parallel']),
  fc.constant(['--batch-profile', 'ci']),
  fc.constant(['--batch-profile', 'nightly']),
);

const someFlags = fc
  .tuple(
    fc.array(batchFlag, { maxLength: 2 }),
    otherFlags,
    fc.boolean(),
    fc.option(lazyFlag, { nil: undefined }),
  )
  .map(([batch, other, dryRun, lazy]) => [
    ...batch.flatMap(([name, value]) => [`--${name}=${value}`]),
    ...other.flat(),
    ...(dryRun || lazy !== undefined ? ['--dry-run'] : []),
    ...(lazy ?? []),
  ]);

/** Half the cases take no flags, so broken files are also met on their own. */
const flags = fc.oneof(fc.constant<string[]>([]), someFlags);

const command = fc.oneof(
  { weight: 4, arbitrary: fc.constant(['run', 'qa']) },
  { weight: 2, arbitrary: fc.constant(['run', 'qa.yml']) },
  { weight: 2, arbitrary: fc.constant(['run', 'qa', '--outputs', 'outputs.json']) },
  { weight: 1, arbitrary: fc.constant(['run', 'missing']) },
  // The SUT answers `second` wrongly: a gate fails (exit 1) when the inputs are good.
  { weight: 2, arbitrary: fc.constant(['run', 'second', '--fail-under', 'exact-match=0.5']) },
  {
    weight: 3,
    arbitrary: fc.constant(['run', '--eval-set', 'release', '--manifest', 'manifest.json']),
  },
  {
    weight: 1,
    arbitrary: fc.constant([
      'run',
      '--eval-set',
      'release',
      '--manifest',
      'manifest.json',
      '--retry-failed',
    ]),
  },
  {
    weight: 3,
    arbitrary: fc.constant([
      'adversarial',
      '--category=ssrf',
      '--metric=exact-match',
      '--outputs=adv-outputs.json',
      '--manifest=adv-manifest.json',
    ]),
  },
  {
    weight: 1,
    arbitrary: fc.constant([
      'adversarial',
      '--category=nope',
      '--metric=exact-match',
      '--sut=sut.mjs',
    ]),
  },
  { weight: 1, arbitrary: fc.constant(['profiles']) },
);

/**
 * A resume manifest with `qa` done, as a run writes it. (One that records a failed dataset is
 * replayed as that failure, exit 3 by design, so the generator does not write one.)
 */
const EVAL_SET_MANIFEST = {
  schema_version: 'eval-harness.eval-set-manifest.v1',
  eval_set: 'release',
  started_at: 1,
  updated_at: 3,
  datasets: [
    {
      dataset: 'qa',
      status: 'completed',
      started_at: 1,
      finished_at: 2,
      duration_seconds: 1,
      report_schema_version: 'eval-harness.report.v1',
      total_samples: 1,
      total_failures: 0,
      error: null,
    },
  ],
};

const MANIFEST_PATHS: readonly (readonly string[])[] = [
  ['schema_version'],
  ['eval_set'],
  ['updated_at'],
  ['datasets'],
  ['datasets', '0'],
  ['datasets', '0', 'status'],
  ['datasets', '0', 'dataset'],
  ['datasets', '1'],
  ['datasets', '0', 'error'],
  ['datasets', '2'],
];

const inputCase = fc.record({
  config: mutated(validConfig(), CONFIG_PATHS),
  configFormat: fc.constantFrom<'json' | 'yaml'>('json', 'json', 'yaml'),
  dataset: mutated(validDataset('qa', 1), SAMPLE_PATHS),
  second: mutated(validDataset('second', 2), SAMPLE_PATHS),
  outputs: mutated({ outputs: { s1: 'answer 1' } }, [
    ['outputs'],
    ['outputs', 's1'],
    ['outputs', 's9'],
    ['extra'],
  ]),
  advOutputs: mutated({ outputs: { 'adv.ssrf': 'I cannot fetch internal URLs.' } }, [
    ['outputs', 'adv.ssrf'],
    ['outputs'],
  ]),
  manifest: fc.option(mutated(EVAL_SET_MANIFEST, MANIFEST_PATHS), { nil: undefined }),
  advManifest: fc.option(
    mutated(
      {
        schema_version: 'eval-harness.adversarial-runs.v1',
        manifest: 'adversarial.security.v1',
        updated_at: 1,
        runs: [],
      },
      [['schema_version'], ['manifest'], ['updated_at'], ['runs'], ['runs', '0']],
    ),
    { nil: undefined },
  ),
  command,
  flags,
});

type InputCase = typeof inputCase extends fc.Arbitrary<infer T> ? T : never;

let root: string | undefined;
let counter = 0;

async function writeCase(input: InputCase): Promise<{ dir: string; names: string[] }> {
  root ??= await mkdtemp(join(tmpdir(), 'eval-harness-property-'));
  const dir = join(root, String(counter++));
  await mkdir(dir);
  const files: Record<string, string> = {
    'sut.mjs': SUT,
    [`eval-harness.config.${input.configFormat === 'json' ? 'json' : 'yml'}`]: asText(
      input.config,
      input.configFormat,
    ),
    'qa.yml': asText(input.dataset, 'yaml'),
    'second.json': asText(input.second, 'json'),
    'outputs.json': asText(input.outputs, 'json'),
    'adv-outputs.json': asText(input.advOutputs, 'json'),
    ...(input.manifest === undefined ? {} : { 'manifest.json': asText(input.manifest, 'json') }),
    ...(input.advManifest === undefined
      ? {}
      : { 'adv-manifest.json': asText(input.advManifest, 'json') }),
  };
  await Promise.all(Object.entries(files).map(([name, text]) => writeFile(join(dir, name), text)));
  return { dir, names: Object.keys(files) };
}

/** Names, sizes and modification times of everything in the folder. */
async function snapshot(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return Promise.all(
    entries.sort().map(async (name) => {
      const info = await stat(join(dir, name));
      return `${name} ${info.size} ${info.mtimeMs}`;
    }),
  );
}

/** Words an exit-2 message may use to point at what is wrong. */
function pointers(argv: readonly string[], names: readonly string[]): string[] {
  const configKeys = [
    'datasets',
    'sut',
    'metrics',
    'metric',
    'runtime',
    'batches',
    'profile',
    'progress',
    'redis',
    'providers',
    'evalSets',
    'eval set',
    'dataset',
    'config',
  ];
  return [
    ...argv.filter((arg) => arg.startsWith('--')).map((arg) => arg.split('=')[0] as string),
    ...names,
    ...configKeys,
  ];
}

describe('generated configs, datasets, outputs, manifests and flags through main()', () => {
  it(`ends every case with exit 0, 1 or 2, and an exit 2 with one line naming the culprit (${RUNS} cases)`, async () => {
    const exits = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(inputCase, async (input) => {
        const { dir, names } = await writeCase(input);
        const argv = [...input.command, ...input.flags];
        const before = await snapshot(dir);
        let stdout = '';
        let stderr = '';
        const code = await main(argv, {
          stdout: { write: (chunk: string) => (stdout += chunk) },
          stderr: { write: (chunk: string) => (stderr += chunk) },
          env: {},
          cwd: dir,
        });
        exits.set(code, (exits.get(code) ?? 0) + 1);
        const context = `eval-harness ${argv.join(' ')} (in ${dir})\n${stderr}`;
        expect([0, 1, 2], context).toContain(code);
        expect(stderr, context).not.toMatch(/\n\s+at /);
        if (code !== 2) return;
        expect(stderr, context).toMatch(/^error: [^\n]+\n$/);
        const message = stderr.toLowerCase();
        expect(
          pointers(argv, names).some((word) => message.includes(word.toLowerCase())),
          context,
        ).toBe(true);
        expect(await snapshot(dir), context).toEqual(before);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // The generator must reach all three outcomes, or it tests less than it claims.
    expect([...exits.keys()].sort()).toEqual([0, 1, 2]);
    expect(exits.get(0) ?? 0).toBeGreaterThan(RUNS / 20);
    if (process.env['EVAL_HARNESS_PROPERTY_REPORT'] !== undefined)
      process.stderr.write(
        `generated cases by exit code: ${JSON.stringify(Object.fromEntries(exits))}\n`,
      );
  }, 600_000);
});
