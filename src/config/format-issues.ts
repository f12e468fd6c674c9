import type * as z from 'zod';

/**
 * One line for a set of zod issues: `<file>: <dotted.path>: <what is wrong>`, the first three
 * issues joined by `; ` (after zod's prettifyError).
 */
export function formatIssues(source: string, issues: readonly z.core.$ZodIssue[]): string {
  const parts = issues.slice(0, 3).map((issue) => {
    const path = issue.path.map(String).join('.');
    return `${path === '' ? '(top level)' : path}: ${describe(issue)}`;
  });
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more problems)` : '';
  return `${source}: ${parts.join('; ')}${more}`;
}

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.message.replace(/^Invalid input: /, '');
    case 'invalid_union':
      return issue.message.replace(/^Invalid discriminator value\. /, 'unsupported value. ');
    case 'invalid_value':
      return issue.message.replace(/^Invalid input: /, '');
    default:
      return issue.message;
  }
}
