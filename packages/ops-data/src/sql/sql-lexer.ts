/**
 * A minimal PostgreSQL lexer: enough to tell code from string literals, quoted
 * identifiers, dollar-quoted bodies and comments, so that placeholders and keywords are
 * only ever found in code, and quoted identifiers can be read as the names they are.
 */
export interface SqlToken {
  kind: 'code' | 'string' | 'identifier' | 'comment';
  text: string;
  start: number;
}

/** A dollar quote cannot start inside an identifier: `a$x$` is one name, not a string. */
const QUOTED_START = /'|"|(?<![A-Za-z0-9_$])\$([A-Za-z_][A-Za-z0-9_]*)?\$|--|\/\*/g;

export function tokenizeSql(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let position = 0;
  QUOTED_START.lastIndex = 0;
  for (let match = QUOTED_START.exec(sql); match; match = QUOTED_START.exec(sql)) {
    if (match.index > position) tokens.push({ kind: 'code', text: sql.slice(position, match.index), start: position });
    const end = endOfQuoted(sql, match.index, match[0]);
    const kind = match[0] === '--' || match[0] === '/*' ? 'comment' : match[0] === '"' ? 'identifier' : 'string';
    tokens.push({ kind, text: sql.slice(match.index, end), start: match.index });
    position = end;
    QUOTED_START.lastIndex = end;
  }
  if (position < sql.length) tokens.push({ kind: 'code', text: sql.slice(position), start: position });
  return tokens;
}

function endOfQuoted(sql: string, start: number, opener: string): number {
  if (opener === '--') return lineEnd(sql, start);
  if (opener === '/*') return blockCommentEnd(sql, start);
  if (opener === "'") return quoteEnd(sql, start, "'", isEscapeString(sql, start));
  if (opener === '"') return quoteEnd(sql, start, '"', false);
  const close = sql.indexOf(opener, start + opener.length);
  return close === -1 ? sql.length : close + opener.length;
}

function lineEnd(sql: string, start: number): number {
  const end = sql.indexOf('\n', start);
  return end === -1 ? sql.length : end + 1;
}

/** PostgreSQL block comments nest. */
function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  for (let index = start; index < sql.length - 1; index += 1) {
    const pair = sql.slice(index, index + 2);
    if (pair === '/*') depth += 1;
    if (pair === '*/') depth -= 1;
    if (pair === '/*' || pair === '*/') index += 1;
    if (depth === 0) return index + 1;
  }
  return sql.length;
}

/** E'…' strings take backslash escapes; a doubled quote escapes a quote in both kinds. */
function isEscapeString(sql: string, quoteAt: number): boolean {
  return /[eE]/.test(sql[quoteAt - 1] ?? '') && !/[A-Za-z0-9_]/.test(sql[quoteAt - 2] ?? '');
}

function quoteEnd(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  for (let index = start + 1; index < sql.length; index += 1) {
    const char = sql[index];
    if (backslashEscapes && char === '\\') index += 1;
    else if (char === quote && sql[index + 1] === quote) index += 1;
    else if (char === quote) return index + 1;
  }
  return sql.length;
}

/** The name a quoted identifier token stands for: `"Set""Config"` → `Set"Config`. */
export function identifierName(token: SqlToken): string {
  return token.text.slice(1, -1).replace(/""/g, '"');
}

/**
 * The statement as PostgreSQL reads its names: lower-cased code, quoted identifiers
 * unquoted, literals and comments blanked. For keyword and function checks.
 */
export function codeView(sql: string): string {
  return tokenizeSql(sql)
    .map((token) => (token.kind === 'code' ? token.text : token.kind === 'identifier' ? ` ${identifierName(token)} ` : ' '))
    .join('')
    .toLowerCase();
}
