import { z } from 'zod';
import { integerColumn, selectRows } from '../sql/codecs';
import type { SqlSession } from '../sql/sql-executor';
import type { SqlParam } from '../sql/statement';

const CountRow = z.object({ total: integerColumn });

/** A WHERE clause assembled from fixed fragments; values only ever travel as parameters. */
export class Where {
  private readonly clauses: string[] = [];
  readonly params: Record<string, SqlParam> = {};

  /** Adds `clause` with its parameters when `value` is given. */
  when<T>(value: T | undefined, clause: string, params: (value: T) => Record<string, SqlParam>): this {
    if (value === undefined) return this;
    this.clauses.push(clause);
    Object.assign(this.params, params(value));
    return this;
  }

  and(clause: string, params: Record<string, SqlParam> = {}): this {
    this.clauses.push(clause);
    Object.assign(this.params, params);
    return this;
  }

  get sql(): string {
    return this.clauses.length ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}

/** How many rows of `table` match `where` (before paging). */
export async function countWhere(session: SqlSession, table: 'tickets' | 'incidents', where: Where): Promise<number> {
  const [row] = await selectRows(session, CountRow, { sql: `SELECT count(*) AS total FROM ${table} ${where.sql}`, params: where.params });
  return row?.total ?? 0;
}
