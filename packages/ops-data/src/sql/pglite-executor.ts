import { AsyncLocalStorage } from 'node:async_hooks';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { toPositional } from './named-parameters';
import { SqlStatementError } from './sql-errors';
import { codeView } from './sql-lexer';
import type { QueryResult, SqlExecutor, SqlSession } from './sql-executor';
import { paramText, type Statement } from './statement';

export interface PgliteExecutorOptions {
  /**
   * The database role every statement runs as (`SET LOCAL ROLE`), as the server's own
   * login would on Aurora. Unset: the embedded superuser, for migrations and seeding only.
   */
  role?: string;
  /** Every transaction is READ ONLY, as the reader's login role is on Aurora. */
  readOnly?: boolean;
}

/**
 * The embedded adapter: the same SQL and migrations as Aurora, on PGlite in this process.
 * PGlite has one connection, so every statement runs in its own short transaction that
 * first assumes the executor's role; statements from different executors never interleave.
 */
/** The PGlite instances whose transaction the current async context is inside. */
const insideTransaction = new AsyncLocalStorage<ReadonlySet<PGlite>>();

export function createPgliteExecutor(db: PGlite, options: PgliteExecutorOptions = {}): SqlExecutor {
  // One round trip into PGlite for the session settings, then the statement.
  const preamble = [
    options.readOnly ? 'SET TRANSACTION READ ONLY' : '',
    options.role ? `SET LOCAL ROLE ${quoteIdentifier(options.role)}` : '',
    "SET LOCAL TIME ZONE 'UTC'",
  ]
    .filter(Boolean)
    .join('; ');
  const inTransaction = async <T>(work: (tx: Transaction) => Promise<T>): Promise<T> => {
    const open = insideTransaction.getStore() ?? new Set<PGlite>();
    // PGlite has one connection: waiting for it from inside its own transaction never ends.
    if (open.has(db)) throw new SqlStatementError('Nested use of the embedded database inside a transaction: use the session the transaction was given');
    return db.transaction((tx) =>
      insideTransaction.run(new Set([...open, db]), async () => {
        await tx.exec(preamble);
        return work(tx);
      }),
    );
  };
  return {
    query: (statement) => inTransaction((tx) => run(tx, statement)),
    transaction: (work) => inTransaction((tx) => work(sessionOf(tx))),
    // The PGlite instance belongs to whoever opened it (see local-database.ts).
    close: async () => undefined,
  };
}

function sessionOf(tx: Transaction): SqlSession {
  return { query: (statement) => run(tx, statement) };
}

/**
 * PGlite has one session, owned by the superuser, so `SET ROLE` inside a statement could
 * leave the executor's role (on Aurora the login user could not). Such statements are
 * refused; the servers' SQL never changes identity.
 */
function changesIdentity(sql: string): boolean {
  return /\b(set|reset)\s+(local\s+|session\s+)?(role|session\s+authorization)\b|\b(set_config|query_to_xml\w*)\b/.test(codeView(sql));
}

async function run(tx: Transaction, statement: Statement): Promise<QueryResult> {
  if (changesIdentity(statement.sql)) throw new SqlStatementError('Refused: statements may not change the database role');
  const positional = toPositional(statement);
  const values = positional.names.map((name) => {
    const param = statement.params?.[name] ?? null;
    return param === null ? null : paramText(param);
  });
  try {
    const result = await tx.query<Record<string, unknown>>(positional.sql, values);
    return { rows: result.rows, rowsAffected: result.affectedRows ?? 0 };
  } catch (error) {
    throw asStatementError(error);
  }
}

function asStatementError(error: unknown): SqlStatementError {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return new SqlStatementError(`ERROR: ${message}${code ? `; SQLState: ${code}` : ''}`, code, { cause: error });
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
