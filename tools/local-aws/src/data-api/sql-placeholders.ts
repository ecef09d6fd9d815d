/**
 * Finds the Data API's `:name` placeholders in PostgreSQL text, skipping everything in
 * which a colon is not a placeholder: quoted strings ('' escapes; backslash escapes in
 * E'' strings), quoted identifiers, dollar-quoted bodies ($$ ... $$, $tag$ ... $tag$),
 * -- and (nested) /* comments, and :: casts.
 */
export interface Placeholder {
  readonly name: string;
  /** Index of the colon. */
  readonly start: number;
  /** Index just past the name. */
  readonly end: number;
}

const IDENTIFIER_START = /[A-Za-z_]/;
const IDENTIFIER_PART = /[A-Za-z0-9_$]/;
const DOLLAR_TAG = /\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

export function findPlaceholders(sql: string): Placeholder[] {
  const placeholders: Placeholder[] = [];
  let i = 0;
  while (i < sql.length) {
    const skipped = skipNonCode(sql, i);
    if (skipped !== i) {
      i = skipped;
    } else if (sql[i] === ':' && sql[i + 1] === ':') {
      i += 2;
    } else if (sql[i] === ':' && IDENTIFIER_START.test(sql[i + 1] ?? '')) {
      const name = matchAt(NAME, sql, i + 1)!;
      placeholders.push({ name, start: i, end: i + 1 + name.length });
      i += 1 + name.length;
    } else {
      i += 1;
    }
  }
  return placeholders;
}

/** The index past a string, identifier, dollar-quoted body or comment starting at `i`; `i` if none starts there. */
function skipNonCode(sql: string, i: number): number {
  const char = sql[i];
  if (char === "'") return skipQuoted(sql, i, "'", isEscapeString(sql, i));
  if (char === '"') return skipQuoted(sql, i, '"', false);
  if (char === '-' && sql[i + 1] === '-') return lineEnd(sql, i);
  if (char === '/' && sql[i + 1] === '*') return skipBlockComment(sql, i);
  if (char === '$') return skipDollarQuoted(sql, i);
  return i;
}

/** `E'...'` (or `e'...'`) where the E is not the end of a longer identifier. */
function isEscapeString(sql: string, quote: number): boolean {
  const prefix = sql[quote - 1];
  return (prefix === 'E' || prefix === 'e') && !IDENTIFIER_PART.test(sql[quote - 2] ?? '');
}

function skipQuoted(sql: string, open: number, quote: string, backslashEscapes: boolean): number {
  for (let i = open + 1; i < sql.length; i++) {
    if (backslashEscapes && sql[i] === '\\') i += 1;
    else if (sql[i] === quote && sql[i + 1] === quote) i += 1;
    else if (sql[i] === quote) return i + 1;
  }
  return sql.length;
}

function lineEnd(sql: string, i: number): number {
  const newline = sql.indexOf('\n', i);
  return newline === -1 ? sql.length : newline + 1;
}

function skipBlockComment(sql: string, open: number): number {
  let depth = 0;
  for (let i = open; i < sql.length; i++) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth += 1;
      i += 1;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth -= 1;
      i += 1;
      if (depth === 0) return i + 1;
    }
  }
  return sql.length;
}

/** `$tag$ ... $tag$`; a `$` inside an identifier (`a$b`) or before a digit (`$1`) starts none. */
function skipDollarQuoted(sql: string, i: number): number {
  if (IDENTIFIER_PART.test(sql[i - 1] ?? '')) return i;
  const tag = matchAt(DOLLAR_TAG, sql, i);
  if (tag === undefined) return i;
  const close = sql.indexOf(tag, i + tag.length);
  return close === -1 ? sql.length : close + tag.length;
}

function matchAt(pattern: RegExp, text: string, index: number): string | undefined {
  pattern.lastIndex = index;
  return pattern.exec(text)?.[0];
}
