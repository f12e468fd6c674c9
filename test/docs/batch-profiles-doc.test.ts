import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  createProfileResolver,
  resolveBatchOptions,
  type BatchFlags,
} from '../../src/batches/index.js';
import { buildDryRunPlan } from '../../src/app/index.js';
import { REPO_ROOT } from '../helpers/cli.js';

/** Every ```console block of docs/BATCH_PROFILES.md: a command line and its expected output. */
const doc = readFileSync(`${REPO_ROOT}docs/BATCH_PROFILES.md`, 'utf8');
const examples = [...doc.matchAll(/```console\n\$ eval-harness run qa (.*)\n([\s\S]*?)```/g)].map(
  (match) => ({
    command: match[1] as string,
    output: (match[2] as string).trim(),
  }),
);

function flagsOf(command: string): BatchFlags {
  const flags: Record<string, string> = {};
  for (const part of command.split(/\s+/)) {
    const found = /^--([a-z-]+)=(.*)$/.exec(part);
    if (found) flags[found[1] as string] = found[2] as string;
  }
  return flags as BatchFlags;
}

describe('docs/BATCH_PROFILES.md worked examples', () => {
  it('has examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(8);
  });

  it.each(examples)('$command', ({ command, output }) => {
    const run = () =>
      buildDryRunPlan([], resolveBatchOptions(flagsOf(command), createProfileResolver()))['batch'];
    if (output.startsWith('error: ')) {
      expect(run).toThrow(output.slice('error: '.length));
    } else {
      expect(run()).toEqual(JSON.parse(output));
    }
  });
});
