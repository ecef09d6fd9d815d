import { ReadOnlyViolationError } from './sql-errors';
import type { SqlExecutor } from './sql-executor';
import { codeView } from './sql-lexer';
import type { Statement } from './statement';

/**
 * Words that make a SELECT or WITH write or lock: data-modifying CTEs, `SELECT … INTO`,
 * `FOR UPDATE` / `FOR SHARE`, and DDL words for good measure. Found in code or as a
 * quoted name they refuse the statement. Other statements are refused by their first
 * word, and side effects through functions by the function allowlist below.
 */
const FORBIDDEN_WORDS = new Set(['insert', 'update', 'delete', 'merge', 'truncate', 'into', 'share', 'create', 'alter', 'drop', 'grant', 'revoke', 'copy']);

/**
 * The only functions a read may call. An allowlist, because PostgreSQL has many functions
 * with side effects (advisory locks, large objects, notifications, `set_config`) or that
 * run SQL held in a string (`query_to_xml`).
 */
const ALLOWED_FUNCTIONS = new Set([
  'count', 'sum', 'min', 'max', 'avg', 'bool_or', 'bool_and', 'array_agg', 'string_agg', 'json_agg', 'jsonb_agg',
  'coalesce', 'nullif', 'greatest', 'least', 'lower', 'upper', 'length', 'left', 'right', 'substr', 'substring', 'trim', 'round',
  'to_char', 'date_trunc', 'extract', 'now', 'cardinality', 'array_length', 'unnest',
  'json_build_object', 'jsonb_build_object', 'to_tsvector', 'websearch_to_tsquery', 'plainto_tsquery', 'phraseto_tsquery',
  'ts_rank', 'ts_rank_cd', 'ts_headline',
]);

/** Keywords that may stand before a parenthesis without being a function call. */
const KEYWORDS_BEFORE_PARENTHESIS = new Set([
  'select', 'from', 'where', 'and', 'or', 'not', 'in', 'any', 'all', 'some', 'exists', 'values', 'as', 'on', 'using', 'join',
  'over', 'filter', 'within', 'cast', 'array', 'row', 'by', 'then', 'else', 'when', 'case', 'with', 'distinct', 'union',
  'intersect', 'except', 'lateral', 'is', 'like', 'ilike', 'between', 'limit', 'offset', 'zone', 'time', 'timestamp', 'numeric',
  'varchar', 'char', 'interval', 'partition', 'order', 'group', 'having', 'returning',
]);

/** Why `sql` is not a plain read, or undefined when it is one. */
export function readOnlyViolation(sql: string): string | undefined {
  const body = codeView(sql).trim().replace(/;\s*$/, '');
  if (body.includes(';')) return 'more than one statement';
  const words = body.match(/[a-z_][a-z0-9_$]*/g) ?? [];
  if (words[0] !== 'select' && words[0] !== 'with') return `only SELECT and WITH … SELECT may run, not ${words[0]?.toUpperCase() ?? 'an empty statement'}`;
  const forbidden = words.find((word) => FORBIDDEN_WORDS.has(word));
  if (forbidden) return `"${forbidden.toUpperCase()}" is not allowed in a read`;
  const called = [...body.matchAll(/([a-z_][a-z0-9_$]*)\s*\(/g)].map((match) => match[1]!);
  const unknown = called.find((name) => !ALLOWED_FUNCTIONS.has(name) && !KEYWORDS_BEFORE_PARENTHESIS.has(name));
  return unknown ? `function ${unknown}() is not on the read allowlist` : undefined;
}

/**
 * The reader's executor: anything but a single plain SELECT is refused before it reaches
 * the database, and transactions are refused outright. Defence in depth on top of the
 * database role, which has SELECT only and read-only transactions.
 */
export function createReadOnlyExecutor(inner: SqlExecutor): SqlExecutor {
  const guarded = (statement: Statement) => {
    const violation = readOnlyViolation(statement.sql);
    if (violation) throw new ReadOnlyViolationError(violation);
    return inner.query(statement);
  };
  return {
    query: async (statement) => guarded(statement),
    transaction: async () => {
      throw new ReadOnlyViolationError('transactions are for writes');
    },
    close: () => inner.close(),
  };
}
