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
    'SELECT comment, owner, start, security, release, load, "call" FROM notes',
    "SELECT id, ts_headline('english', description, websearch_to_tsquery('english', :text)) AS snippet, round(ts_rank(search, websearch_to_tsquery('english', :text))::numeric, 6) FROM tickets WHERE (created_at, id) < (:at::timestamp AT TIME ZONE 'UTC', :id) AND status = ANY(:s::text[])",
    "SELECT to_char(started_at AT TIME ZONE 'UTC', 'YYYY') AS y, (SELECT count(*) FROM incident_timeline e WHERE e.incident_id = i.id) AS n FROM incidents i",
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
    ["SELECT set_config('role', 'postgres', false)", 'function set_config() is not on the read allowlist'],
    ["SELECT \"set_config\"('role', 'postgres', true)", 'function set_config() is not on the read allowlist'],
    ["SELECT pg_catalog.\"set_config\"('default_transaction_read_only', 'off', false)", 'function set_config() is not on the read allowlist'],
    ["SELECT nextval('ticket_comments_id_seq')", 'function nextval() is not on the read allowlist'],
    ['SELECT pg_sleep(10)', 'function pg_sleep() is not on the read allowlist'],
    ['SELECT 1 AS a$x$, pg_advisory_lock(7) AS b$x$', 'function pg_advisory_lock() is not on the read allowlist'],
    ['SELECT pg_try_advisory_lock(1)', 'function pg_try_advisory_lock() is not on the read allowlist'],
    ["SELECT query_to_xml('select 1', true, true, '')", 'function query_to_xml() is not on the read allowlist'],
    ["SELECT lo_from_bytea(0, '\\x00')", 'function lo_from_bytea() is not on the read allowlist'],
    ["SELECT pg_notify('channel', 'payload')", 'function pg_notify() is not on the read allowlist'],
    ['SELECT * FROM "delete"', '"DELETE" is not allowed in a read'],
    ['SELECT 1 AS a$x$; DELETE FROM tickets; SELECT 1 AS b$x$', 'more than one statement'],
    ['', 'only SELECT and WITH … SELECT may run, not an empty statement'],
    ['/* SELECT */ DROP TABLE tickets', 'only SELECT and WITH … SELECT may run, not DROP'],
  ])('refuses %s', (sql, reason) => {
    expect(readOnlyViolation(sql)).toBe(reason);
  });
});
