import { PROFILE_FIELDS, type BatchProfile } from '../../batches/index.js';
import { loadConfig } from '../../config/index.js';
import type { CliIo } from '../io.js';
import { EXIT_CODES } from '../../errors.js';

export interface ProfilesCommandOptions {
  config?: string;
  json?: boolean;
}

/** `eval-harness profiles`: what `--batch-profile=<name>` will do, before a long run. */
export async function profilesCommand(options: ProfilesCommandOptions, io: CliIo): Promise<number> {
  const loaded = await loadConfig({ cwd: io.cwd, configPath: options.config, env: io.env });
  const profiles = loaded.profiles.profiles();
  if (options.json === true) {
    io.stdout.write(`${JSON.stringify({ profiles: profiles.map(profileJson) }, null, 4)}\n`);
    return EXIT_CODES.ok;
  }
  const header = ['name', 'mode', ...PROFILE_FIELDS, 'maxCostUsd'];
  const rows = profiles.map((profile) => [
    profile.name,
    profile.mode,
    ...PROFILE_FIELDS.map((field) => String(profile[field] ?? '-')),
    String(profile.maxCostUsd ?? '-'),
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] as string).length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  io.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
  io.stdout.write(
    `\nSource: built-ins${loaded.path === undefined ? '' : ` + ${loaded.path}`}. "-" means unset (the run default applies).\n`,
  );
  return EXIT_CODES.ok;
}

/** Every field, in a fixed order, unset values as null. */
export function profileJson(profile: BatchProfile): Record<string, unknown> {
  const json: Record<string, unknown> = { name: profile.name, mode: profile.mode };
  for (const field of PROFILE_FIELDS) json[field] = profile[field];
  json['maxCostUsd'] = profile.maxCostUsd ?? null;
  return json;
}
