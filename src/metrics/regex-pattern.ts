/**
 * PHP-style delimited patterns (`/order #[0-9]+/i`) compiled to JavaScript RegExp.
 *
 * The contract (docs/METRICS.md): JavaScript RegExp syntax inside PHP-style
 * delimiters. Flags `i m s u x` are accepted; `x` strips unescaped whitespace and `#` comments
 * outside character classes before compiling. Any other flag, or a body JavaScript rejects
 * (possessive quantifiers, atomic groups, `\A`, `(?P<name>...)`), is an error.
 */

const BRACKET_PAIRS: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}', '<': '>' };
const SUPPORTED_FLAGS = 'imsux';

export type CompiledPattern =
  { ok: true; regex: RegExp; unicode: boolean } | { ok: false; reason: string };

export function compileDelimitedPattern(pattern: string): CompiledPattern {
  const open = pattern[0];
  if (open === undefined) return { ok: false, reason: 'empty pattern' };
  if (/[\p{L}\p{N}\\\s]/u.test(open)) {
    return { ok: false, reason: 'delimiter must not be alphanumeric, backslash, or whitespace' };
  }
  const close = BRACKET_PAIRS[open] ?? open;
  const end = findClosingDelimiter(pattern, open, close);
  if (end < 0) return { ok: false, reason: `no ending delimiter '${close}' found` };

  let body = pattern.slice(1, end);
  const flags = pattern.slice(end + 1);
  for (const flag of flags) {
    if (!SUPPORTED_FLAGS.includes(flag)) return { ok: false, reason: `unknown modifier '${flag}'` };
  }
  // `\#` is fine in PCRE but an invalid escape in a JS unicode pattern: unescape the delimiter.
  if (!/[.*+?^${}()|[\]\\/-]/.test(open)) body = body.split(`\\${open}`).join(open);
  if (close !== open && !/[.*+?^${}()|[\]\\/-]/.test(close))
    body = body.split(`\\${close}`).join(close);
  if (flags.includes('x')) body = stripExtendedSyntax(body);

  const jsFlags = [...new Set(flags.replace('x', ''))].join('');
  try {
    return { ok: true, regex: new RegExp(body, jsFlags), unicode: jsFlags.includes('u') };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

function findClosingDelimiter(pattern: string, open: string, close: string): number {
  let depth = 0;
  for (let i = 1; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (close !== open && ch === open) depth++;
    else if (ch === close) {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/** Remove unescaped whitespace and `#...` comments outside character classes (PCRE `x`). */
function stripExtendedSyntax(body: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch === '\\') {
      out += ch + (body[i + 1] ?? '');
      i++;
    } else if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
    } else if (ch === '[') {
      inClass = true;
      out += ch;
    } else if (ch === '#') {
      while (i < body.length && body[i] !== '\n') i++;
    } else if (!/\s/.test(ch)) {
      out += ch;
    }
  }
  return out;
}
