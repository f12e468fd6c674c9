// Every `eval-harness` command of the README's shell blocks, run as written against the packed
// package: the reference config of the README (its "Config reference" block, verbatim) in one
// folder, its eval-set config in another, a dataset whose SUT fails once for the resume example,
// and a real Redis for the queue commands. The tutorial block is run by tutorial.test.ts.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import {
  NEWCOMER_ENV,
  emptyFolderWithPackedPackage,
  shell,
  TARBALL,
} from '../helpers/packed-package.js';
import { RedisServer } from '../helpers/redis-server.js';

const readme = readFileSync(`${REPO_ROOT}README.md`, 'utf8');

/** The text between a heading and the next heading of the same level. */
function section(heading: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no heading ${heading}`);
  const next = readme.indexOf('\n## ', start + heading.length + 2);
  return readme.slice(start, next < 0 ? undefined : next);
}

function firstTsBlock(text: string): string {
  const block = /```ts\n([\s\S]*?)```/.exec(text)?.[1];
  if (block === undefined) throw new Error('no ts block');
  return block;
}

/**
 * Every eval-harness command line in the README's sh and bash blocks (continuations joined,
 * trailing comments dropped), leaving out the tutorial block, which has its own test.
 */
const readmeCommands = [...readme.matchAll(/(<!-- tutorial -->\n)?```(?:sh|bash)\n([\s\S]*?)```/g)]
  .filter((match) => match[1] === undefined)
  .flatMap((match) => (match[2] as string).replace(/\\\n\s*/g, ' ').split('\n'))
  .map((line) =>
    line
      .replace(/\s+#.*$/, '')
      .replace(/\s+/g, ' ')
      .trim(),
  )
  .filter((line) => /^(npx )?eval-harness /.test(line));

/** Where each README command runs and how it must end, in README order. */
const EXPECTED: { command: string; folder: 'reference' | 'eval-set' | 'resume'; exit: number }[] = [
  { folder: 'resume', exit: 3, command: 'eval-harness run demo --json --out nightly.json' },
  {
    folder: 'resume',
    exit: 0,
    command: 'eval-harness run demo --json --out nightly.json --resume nightly.json',
  },
  {
    folder: 'reference',
    exit: 0,
    command: 'npx eval-harness run rag.factuality --json --out reports/main.json',
  },
  {
    folder: 'reference',
    exit: 0,
    command:
      'npx eval-harness run rag.factuality --baseline reports/main.json --baseline-optional --max-drop rouge-l=2pp --max-regressed 0 --html reports/pr.html',
  },
  { folder: 'reference', exit: 0, command: 'npx eval-harness compare main.json pr.json' },
  {
    folder: 'reference',
    exit: 0,
    command:
      'npx eval-harness compare main.json pr.json --max-drop macro_f1=1pp --max-regressed 3 --significant',
  },
  {
    folder: 'eval-set',
    exit: 0,
    command:
      'eval-harness run --eval-set nightly --manifest .eval/nightly.json --json --out reports/nightly.json',
  },
  {
    folder: 'reference',
    exit: 0,
    command:
      'eval-harness adversarial --metric exact-match --sut eval/sut.mjs --manifest .eval/adv.json --regression-gate',
  },
  { folder: 'reference', exit: 0, command: 'eval-harness profiles' },
  {
    folder: 'reference',
    exit: 0,
    command:
      'eval-harness run rag.factuality --batch-profile=nightly --rate-limit=none --concurrency=8 --dry-run --json',
  },
  {
    folder: 'reference',
    exit: 0,
    command:
      'eval-harness run rag.factuality --batch=concurrent --concurrency=16 --rate-limit=60 --timeout=30 --checkpoint-every=100 --progress-file progress.ndjson',
  },
  {
    folder: 'reference',
    exit: 0,
    command: 'eval-harness worker --queue evals --concurrency 8',
  },
  {
    folder: 'reference',
    exit: 0,
    command: 'eval-harness run rag.factuality --batch-profile=nightly --queue evals',
  },
  {
    folder: 'reference',
    exit: 0,
    command: 'eval-harness run rag.factuality --batch=lazy-parallel --local-workers=8',
  },
];

const FACTUALITY = `schema_version: eval-harness.dataset.v1
name: rag.factuality
samples:
  - id: capital
    input: { question: 'What is the capital of France?' }
    expected_output: 'Paris is the capital of France.'
  - id: boiling
    input: { question: 'At what temperature does water boil at sea level?' }
    expected_output: 'Water boils at 100 degrees Celsius at sea level.'
  - id: planets
    input: { question: 'How many planets are in the solar system?' }
    expected_output: 'There are eight planets in the solar system.'
`;

const ANSWERING_SUT = `const ANSWERS = {
  capital: 'Paris is the capital of France.',
  boiling: 'Water boils at 100 degrees Celsius at sea level.',
  planets: 'There are eight planets in the solar system.',
  first: 'one',
  second: 'two',
};
export default async function answer({ id }) {
  return ANSWERS[id] ?? 'I cannot help with that.';
}
`;

const CUSTOM_METRIC = `export function createMyMetric() {
  return { name: 'my-metric', score: (sample, output) => ({ score: output.length > 0 ? 1 : 0, details: {} }) };
}
`;

function smallDataset(name: string, id: string, expected: string): string {
  return `schema_version: eval-harness.dataset.v1
name: ${name}
samples:
  - id: ${id}
    input: { question: '${id}?' }
    expected_output: '${expected}'
`;
}

/** A SUT that fails its first call of sample 'late' (the marker file remembers), as a flaky service. */
const FAILS_ONCE_SUT = `import { existsSync, writeFileSync } from 'node:fs';
export default async function answer({ id }) {
  if (id === 'late' && !existsSync('failed-once')) {
    writeFileSync('failed-once', '');
    throw new Error('upstream 503');
  }
  return 'fine';
}
`;

const IMPORT_LINE = "import { defineConfig } from 'eval-harness';\n\n";

async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

let redis: RedisServer;

beforeAll(async () => {
  redis = await RedisServer.start();
});

afterAll(async () => {
  await redis.stop();
});

describe("the README's commands", () => {
  it('are the commands this test runs, in order', () => {
    expect(readmeCommands).toEqual(EXPECTED.map((entry) => entry.command));
  });

  it('run as written against the packed package and end with the exit code the README says', async () => {
    const project = await emptyFolderWithPackedPackage('eval-harness-readme-');
    for (const setup of ['npm init -y', `npm install --save-dev ./${TARBALL}`]) {
      const ran = shell(setup, project);
      expect(ran.status, ran.stderr).toBe(0);
    }
    await writeFiles(join(project, 'reference'), {
      'eval-harness.config.ts': IMPORT_LINE + firstTsBlock(section('## Config reference')),
      'eval/golden/factuality.yml': FACTUALITY,
      'eval/sut.mjs': ANSWERING_SUT,
      'eval/my-metric.mjs': CUSTOM_METRIC,
    });
    await writeFiles(join(project, 'eval-set'), {
      'eval-harness.config.ts':
        IMPORT_LINE + firstTsBlock(section('## Eval sets: several datasets as one release gate')),
      'eval/first.yml': smallDataset('rag.first', 'first', 'one'),
      'eval/second.yml': smallDataset('rag.second', 'second', 'two'),
      'eval/sut.mjs': ANSWERING_SUT,
    });
    await writeFiles(join(project, 'resume'), {
      'eval-harness.config.ts': `${IMPORT_LINE}export default defineConfig({
  datasets: { demo: { path: 'demo.yml', metrics: ['exact-match'] } },
  sut: { type: 'module', path: './sut.mjs' },
});
`,
      'demo.yml': `schema_version: eval-harness.dataset.v1
name: demo
samples:
  - { id: early, input: { q: a }, expected_output: fine }
  - { id: late, input: { q: b }, expected_output: fine }
  - { id: last, input: { q: c }, expected_output: fine }
`,
      'sut.mjs': FAILS_ONCE_SUT,
    });
    // Commands written without npx run from the project's own bin folder, as after an install.
    const env = {
      ...NEWCOMER_ENV,
      PATH: `${join(project, 'node_modules', '.bin')}:${NEWCOMER_ENV['PATH'] ?? ''}`,
      EVAL_HARNESS_REDIS_URL: redis.url,
    };
    let worker: ReturnType<typeof spawn> | undefined;
    const outcomes: string[] = [];
    for (const { command, folder, exit } of EXPECTED) {
      const cwd = join(project, folder);
      if (command.startsWith('npx eval-harness compare main.json')) {
        // The two reports compare names are the ones the CI example above keeps.
        await copyFile(join(cwd, 'reports', 'main.json'), join(cwd, 'main.json'));
        await copyFile(join(cwd, 'reports', 'main.json'), join(cwd, 'pr.json'));
      }
      if (command.includes(' worker ')) {
        // A worker serves until stopped: it runs beside the next command, then gets SIGTERM.
        worker = spawn('bash', ['-c', `exec ${command}`], { cwd, env, stdio: 'ignore' });
        continue;
      }
      const ran = shell(command, cwd, env);
      outcomes.push(`${command} -> ${String(ran.status)}`);
      expect(ran.status, `${command}\n${ran.stdout.slice(0, 2000)}\n${ran.stderr}`).toBe(exit);
    }
    const stopped = new Promise((resolve) => worker?.once('exit', resolve));
    worker?.kill('SIGTERM');
    expect(await stopped).toBe(0);

    const resumed = JSON.parse(await readFile(join(project, 'resume', 'nightly.json'), 'utf8'));
    expect([resumed.status, resumed.total_samples]).toEqual(['complete', 3]);
    const queued = JSON.parse(
      (await readFile(join(project, 'reference', 'progress.ndjson'), 'utf8')).split('\n')[0] ?? '',
    );
    expect(queued.type).toBeDefined();
    expect(await readFile(join(project, 'reference', 'reports', 'pr.html'), 'utf8')).toContain(
      '<html',
    );
    expect(outcomes).toHaveLength(EXPECTED.length - 1);
  }, 240_000);
});
