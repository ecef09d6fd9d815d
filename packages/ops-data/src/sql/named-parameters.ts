import { SqlStatementError } from './sql-errors';
import { tokenizeSql } from './sql-lexer';
import type { Statement } from './statement';

/** `:name` in code, but not the second colon of a `::type` cast. */
const PLACEHOLDER = /(?<!:):([A-Za-z_][A-Za-z0-9_]*)/g;

export interface PositionalStatement {
  readonly sql: string;
  /** Parameter names in `$n` order. */
  readonly names: readonly string[];
}

/**
 * Rewrites `:name` placeholders to `$1…$n` for drivers that take positional parameters.
 * Every placeholder needs a parameter and every parameter a placeholder, so a typo fails
 * loudly instead of binding nothing.
 */
export function toPositional(statement: Statement): PositionalStatement {
  const names: string[] = [];
  const sql = tokenizeSql(statement.sql)
    .map((token) => (token.kind === 'code' ? token.text.replace(PLACEHOLDER, (_match, name: string) => `$${positionOf(names, name)}`) : token.text))
    .join('');
  const given = Object.keys(statement.params ?? {});
  const missing = names.filter((name) => !given.includes(name));
  const unused = given.filter((name) => !names.includes(name));
  if (missing.length || unused.length) {
    throw new SqlStatementError(
      `Statement parameters do not match its placeholders${missing.length ? `; missing: ${missing.join(', ')}` : ''}${unused.length ? `; unused: ${unused.join(', ')}` : ''}`,
    );
  }
  return { sql, names };
}

function positionOf(names: string[], name: string): number {
  const index = names.indexOf(name);
  if (index !== -1) return index + 1;
  names.push(name);
  return names.length;
}
