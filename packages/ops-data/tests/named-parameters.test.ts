import { toPositional } from '../src/sql/named-parameters';
import { readOnlyViolation } from '../src/sql/read-only-executor';
import { SqlStatementError } from '../src/sql/sql-errors';

describe('named parameters', () => {
  it('numbers placeholders in order of first use and reuses a repeated name', () => {
    const result = toPositional({ sql: 'SELECT * FROM t WHERE a = :a AND b = :b OR a2 = :a', params: { a: 1, b: 2 } });
    expect(result).toEqual({ sql: 'SELECT * FROM t WHERE a = $1 AND b = $2 OR a2 = $1', names: ['a', 'b'] });
  });

  it('leaves casts, literals, quoted identifiers, dollar bodies and comments alone', () => {
    const sql = `SELECT :x::text, ':no', E'it\\'s :no', "col:no", $$ :no $$, $tag$ :no $tag$ -- :no\n /* :no /* nested :no */ */ FROM t WHERE y = :y`;
    const result = toPositional({ sql, params: { x: 'a', y: 'b' } });
    expect(result.names).toEqual(['x', 'y']);
    expect(result.sql).toBe(`SELECT $1::text, ':no', E'it\\'s :no', "col:no", $$ :no $$, $tag$ :no $tag$ -- :no\n /* :no /* nested :no */ */ FROM t WHERE y = $2`);
  });

  it('refuses a placeholder without a parameter and a parameter without a placeholder', () => {
    expect(() => toPositional({ sql: 'SELECT :a', params: {} })).toThrow(new SqlStatementError('Statement parameters do not match its placeholders; missing: a'));
    expect(() => toPositional({ sql: 'SELECT 1', params: { typo: 1 } })).toThrow(/unused: typo/);
  });
});

describe('read-only statement check', () => {
  it.each([
    'SELECT * FROM tickets WHERE id = :id',
    "WITH recent AS (SELECT * FROM incidents) SELECT * FROM recent WHERE title <> 'DELETE everything; DROP TABLE x'",
    'select count(*) from tickets; ',
    'SELECT updated_at, started_at FROM incidents -- update later',
  ])('lets a plain read through: %s', (sql) => {
    expect(readOnlyViolation(sql)).toBeUndefined();
  });

  it.each([
    ['UPDATE tickets SET status = $1', 'only SELECT and WITH … SELECT may run, not UPDATE'],
    ['SELECT 1; DELETE FROM tickets', 'more than one statement'],
    ['WITH gone AS (DELETE FROM tickets RETURNING *) SELECT * FROM gone', '"DELETE" is not allowed in a read'],
    ['SELECT * INTO copy FROM tickets', '"INTO" is not allowed in a read'],
    ['SELECT * FROM tickets FOR UPDATE', '"UPDATE" is not allowed in a read'],
    ['SELECT * FROM tickets FOR SHARE', '"SHARE" is not allowed in a read'],
    ["SELECT set_config('role', 'postgres', false)", '"SET_CONFIG" is not allowed in a read'],
    ["SELECT nextval('ticket_comments_id_seq')", '"NEXTVAL" is not allowed in a read'],
    ['SELECT pg_sleep(10)', '"PG_SLEEP" is not allowed in a read'],
    ['', 'only SELECT and WITH … SELECT may run, not an empty statement'],
    ['/* SELECT */ DROP TABLE tickets', 'only SELECT and WITH … SELECT may run, not DROP'],
  ])('refuses %s', (sql, reason) => {
    expect(readOnlyViolation(sql)).toBe(reason);
  });
});
