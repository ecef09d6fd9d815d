import type { SqlParam } from '../sql/statement';

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
