import type { Statement } from './statement';

/** One row as the database returned it: column label to value. Parse it with a row schema. */
export type Row = Record<string, unknown>;

export interface QueryResult {
  readonly rows: readonly Row[];
  /** Rows inserted, updated or deleted by a data-changing statement; 0 for reads. */
  readonly rowsAffected: number;
}

/** Runs statements in one transaction; see {@link SqlExecutor.transaction}. */
export interface SqlSession {
  query(statement: Statement): Promise<QueryResult>;
}

/**
 * The port every server reaches PostgreSQL through. Adapters: the Aurora Data API
 * (`data-api-executor.ts`) and embedded PGlite (`pglite-executor.ts`). Each executor acts
 * as one database role, fixed when it is built; a server never chooses its role per call.
 *
 * Column values come back as the adapter's wire gives them (a timestamp may be a `Date`
 * or a UTC string, a JSON column an object or a string); row schemas built from
 * `codecs.ts` turn both into the same typed values.
 */
export interface SqlExecutor extends SqlSession {
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
