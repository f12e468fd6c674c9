/**
 * PHP-style delimited patterns (`/order #[0-9]+/i`) compiled to JavaScript RegExp.
 *
 * The contract (docs/METRICS.md): JavaScript RegExp syntax inside PHP-style
 * delimiters. Flags `i m s u x` are accepted; `x` strips unescaped whitespace and `#` comments
 * outside character classes before compiling. `\A`, `\z` and `\Z` keep their PCRE meaning. Any
 * other flag, a letter escape JavaScript would read as a plain letter, or a body JavaScript
 * rejects (possessive quantifiers, atomic groups, `(?P<name>...)`), is an error.
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
  const translated = translateEscapes(body, flags.includes('u'));
  if (!translated.ok) return translated;
  body = translated.body;

  const jsFlags = [...new Set(flags.replace('x', ''))].join('');
  try {
    return { ok: true, regex: new RegExp(body, jsFlags), unicode: jsFlags.includes('u') };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/**
 * PCRE's subject anchors in JavaScript: `\A` (start), `\z` (end), `\Z` (end, or before a final
 * newline). Lookarounds keep their meaning whatever the `m` flag says.
 */
const PCRE_ANCHORS: Readonly<Record<string, string>> = {
  A: '(?<![\\s\\S])',
  z: '(?![\\s\\S])',
  Z: '(?=\\n?(?![\\s\\S]))',
};
/** Letter escapes JavaScript gives a meaning, outside and inside a character class. */
const JS_LETTER_ESCAPES = 'dDwWsSbBnrtvfcxukpP';
const JS_CLASS_LETTER_ESCAPES = 'dDwWsSbnrtvfcxukpP';

/**
 * Give `\A`, `\z` and `\Z` their PCRE meaning, and refuse every other letter escape that
 * JavaScript would silently read as the letter itself (`\h`, `\R`, `\K`, `\Q`, `\e`, …): a
 * pattern written for PCRE must not quietly match something else.
 */
function translateEscapes(
  body: string,
  unicode: boolean,
): { ok: true; body: string } | { ok: false; reason: string } {
  const namedGroups = /\(\?<[A-Za-z_$]/.test(body);
  // Escapes whose meaning depends on what follows; without it JavaScript reads the bare letter.
  const complete = (letter: string, rest: string): boolean => {
    switch (letter) {
      case 'x':
        return /^[0-9A-Fa-f]{2}/.test(rest);
      case 'u':
        return /^[0-9A-Fa-f]{4}/.test(rest) || (unicode && /^\{[0-9A-Fa-f]+\}/.test(rest));
      case 'c':
        return /^[A-Za-z]/.test(rest);
      case 'p':
      case 'P':
        return unicode && /^\{[^}]+\}/.test(rest);
      case 'k':
        return namedGroups && /^<[^>]+>/.test(rest);
      default:
        return true;
    }
  };
  let out = '';
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch === '\\') {
      const next = body[i + 1] ?? '';
      i++;
      if (/[A-Za-z]/.test(next)) {
        const anchor = inClass ? undefined : PCRE_ANCHORS[next];
        if (anchor !== undefined) {
          out += anchor;
          continue;
        }
        const known = (inClass ? JS_CLASS_LETTER_ESCAPES : JS_LETTER_ESCAPES).includes(next);
        if (!known || !complete(next, body.slice(i + 1))) {
          return {
            ok: false,
            reason: `escape '\\${next}' has no JavaScript meaning (JavaScript would read it as the letter '${next}'); see docs/METRICS.md`,
          };
        }
      }
      out += ch + next;
    } else {
      if (inClass && ch === ']') inClass = false;
      else if (!inClass && ch === '[') inClass = true;
      out += ch;
    }
  }
  return { ok: true, body: out };
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
