import { ReadOnlyViolationError } from './sql-errors';
import type { SqlExecutor } from './sql-executor';
import { tokenizeSql } from './sql-lexer';
import type { Statement } from './statement';

/**
 * Words that change data, schema, privileges or session state, or take locks. Found in
 * code (outside literals and comments) they refuse the statement, even inside a CTE.
 */
const FORBIDDEN_WORDS = new Set([
  'insert', 'update', 'delete', 'merge', 'truncate', 'upsert',
  'create', 'alter', 'drop', 'grant', 'revoke', 'comment', 'security', 'owner',
  'copy', 'call', 'do', 'execute', 'prepare', 'deallocate', 'lock', 'vacuum', 'analyze', 'reindex', 'cluster', 'refresh',
  'set', 'reset', 'discard', 'listen', 'notify', 'unlisten', 'load', 'import',
  'begin', 'start', 'commit', 'rollback', 'savepoint', 'release', 'abort',
  'into', 'share', 'nowait',
  'nextval', 'setval', 'pg_advisory_lock', 'pg_advisory_xact_lock', 'pg_sleep', 'lo_import', 'lo_export', 'dblink', 'pg_read_file', 'pg_terminate_backend', 'pg_cancel_backend', 'set_config',
]);

/** Why `sql` is not a plain read, or undefined when it is one. */
export function readOnlyViolation(sql: string): string | undefined {
  const code = tokenizeSql(sql)
    .filter((token) => token.kind === 'code')
    .map((token) => token.text)
    .join(' ')
    .toLowerCase();
  const body = code.trim().replace(/;\s*$/, '');
  if (body.includes(';')) return 'more than one statement';
  const words = body.match(/[a-z_][a-z0-9_$]*/g) ?? [];
  if (words[0] !== 'select' && words[0] !== 'with') return `only SELECT and WITH … SELECT may run, not ${words[0]?.toUpperCase() ?? 'an empty statement'}`;
  const forbidden = words.find((word) => FORBIDDEN_WORDS.has(word));
  return forbidden ? `"${forbidden.toUpperCase()}" is not allowed in a read` : undefined;
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
