import { UsageError } from '../errors.js';

/**
 * Every flag that names a file must name one: an empty value (`--out ""`, often an unset shell
 * variable) would otherwise resolve to the working folder itself.
 */
export function checkFilePathFlags(
  flags: readonly (readonly [flag: string, value: string | undefined])[],
): void {
  for (const [flag, value] of flags) {
    if (value !== undefined && value.trim() === '')
      throw new UsageError(`The ${flag} option requires a non-empty file path.`);
  }
}
