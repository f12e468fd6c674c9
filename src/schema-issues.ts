import type * as z from 'zod';

/**
 * The issue to report when a file has several problems: the one a reader meets first. Top-level
 * fields go in `fieldOrder` (the order the file is documented and read in); within one field, a
 * problem with the field itself or with a whole list element comes before the problems inside
 * an element (a list that holds a number is reported as such, not by the first element's keys).
 * Zod lists issues in a similar but not identical order, hence this.
 */
export function firstIssue(
  issues: readonly z.core.$ZodIssue[],
  fieldOrder: readonly string[],
): z.core.$ZodIssue {
  const rank = (issue: z.core.$ZodIssue): [number, number] => {
    const at = fieldOrder.indexOf(String(issue.path[0]));
    return [at === -1 ? fieldOrder.length : at, issue.path.length > 2 ? 1 : 0];
  };
  let best = issues[0] as z.core.$ZodIssue;
  for (const issue of issues.slice(1)) {
    const [field, depth] = rank(issue);
    const [bestField, bestDepth] = rank(best);
    if (field < bestField || (field === bestField && depth < bestDepth)) best = issue;
  }
  return best;
}

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
