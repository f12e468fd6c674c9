import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../atomic-write.js';
import { UsageError } from '../errors.js';
import { pathInfo } from '../path-info.js';

/** The starter `init` writes: a config, a dataset and an offline SUT, by path. */
const STARTER: Readonly<Record<string, string>> = {
  'eval-harness.config.mjs': `// @ts-check
// The eval-harness config: which datasets to run, how to score them, and the system under test.
// Run it with: npx eval-harness run faq   (docs: README.md, "Config reference")

/** @type {import('eval-harness').EvalHarnessConfig} */
export default {
  datasets: {
    // A dataset file and the metrics that score it; a metric may carry its own pass line.
    faq: {
      path: './golden/faq.yml',
      metrics: ['contains', { name: 'rouge-l', threshold: 0.3 }],
    },
  },
  // Your system under test. This one answers offline; see sut.mjs for where to call yours.
  // Or an endpoint: { type: 'http', endpoint, model, promptTemplate: '{question}' }
  sut: { type: 'module', path: './sut.mjs', timeoutSeconds: 60 },
};
`,
  'golden/faq.yml': `# Golden samples: an input for the system under test and the answer you expect.
schema_version: eval-harness.dataset.v1
name: faq
samples:
  - id: refund-window
    input: { question: "How long do I have to return an item?" }
    expected_output: "30 days"
    metadata: { tags: [refunds] }
  - id: shipping-time
    input: { question: "How long does standard shipping take?" }
    expected_output: "3 to 5 business days"
    metadata: { tags: [shipping] }
  - id: warranty
    input: { question: "How long is the warranty?" }
    expected_output: "two years"
    metadata: { tags: [warranty] }
`,
  'sut.mjs': `// The system under test: one sample in, its answer out. This starter answers from a small
// table so that it runs offline; replace the body with a call to your application, e.g.
//
//   const response = await fetch('http://localhost:3000/ask', {
//     method: 'POST',
//     headers: { 'content-type': 'application/json' },
//     body: JSON.stringify({ question: input.question }),
//     signal, // eval-harness aborts it at the SUT timeout or on Ctrl-C
//   });
//   return (await response.json()).answer;
const ANSWERS = {
  'refund-window': 'You can return an item within 30 days of delivery.',
  'shipping-time': 'Standard shipping takes 3 to 5 business days.',
  warranty: 'Every product has a two years warranty.',
};

/** @param {{ id: string, input: Record<string, unknown> }} invocation */
export default async function answer({ id }) {
  return ANSWERS[/** @type {keyof typeof ANSWERS} */ (id)] ?? 'I do not know.';
}
`,
};

/** Ignored by git: the response cache of judge and embeddings calls. */
const GITIGNORE_LINE = '.eval-harness/';

/** What `writeStarter` wrote, relative to the folder, for the caller to tell. */
export interface StarterWritten {
  readonly files: readonly string[];
  /** The cache line was added to `.gitignore` (absent before). */
  readonly gitignoreLine: string | undefined;
}

/**
 * Write a working starter into `cwd` — a typed config, a small dataset, an offline SUT module —
 * and add the cache to `.gitignore`. Refuses to overwrite a file unless `force`; nothing is
 * written then.
 */
export async function writeStarter(
  cwd: string,
  options: { readonly force?: boolean | undefined } = {},
): Promise<StarterWritten> {
  const exists = async (path: string) => (await pathInfo(join(cwd, path))) !== undefined;
  if (options.force !== true) {
    for (const path of Object.keys(STARTER))
      if (await exists(path))
        throw new UsageError(
          `${path} already exists in ${cwd}; init writes a new starter only where none is. Pass --force to overwrite it.`,
        );
  }
  for (const [path, text] of Object.entries(STARTER))
    await writeFileAtomically(join(cwd, path), [text], 'starter file');
  const gitignore = join(cwd, '.gitignore');
  // No .gitignore yet (or none readable) starts one.
  const current = await readFile(gitignore, 'utf8').catch(() => '');
  let gitignoreLine: string | undefined;
  if (!current.split('\n').some((line) => line.trim() === GITIGNORE_LINE)) {
    const separator = current === '' || current.endsWith('\n') ? '' : '\n';
    await writeFileAtomically(
      gitignore,
      [`${current}${separator}${GITIGNORE_LINE}\n`],
      '.gitignore',
    );
    gitignoreLine = GITIGNORE_LINE;
  }
  return { files: Object.keys(STARTER), gitignoreLine };
}
