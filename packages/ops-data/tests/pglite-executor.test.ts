import { PGlite } from '@electric-sql/pglite';
import { DATABASE_ROLES } from '../src/schema/roles';
import { migrate, MigrationDriftError } from '../src/schema/migrate';
import { MIGRATIONS } from '../src/schema/migrations';
import { createPgliteExecutor } from '../src/sql/pglite-executor';
import { SqlStatementError } from '../src/sql/sql-errors';
import { textArrayParam } from '../src/sql/statement';

const OPERATIONAL_TABLES = ['tickets', 'ticket_comments', 'incidents', 'incident_timeline'];

// What every SqlExecutor does (parameters, codecs, transactions, refusals, roles) is in sql-executor.contract.test.ts;
// this file keeps the migrations and what only the embedded adapter does: role switching on one superuser session.
describe('PGlite executor and migrations', () => {
  let db: PGlite;
  const owner = () => createPgliteExecutor(db);
  const reader = () => createPgliteExecutor(db, { role: DATABASE_ROLES.reader, readOnly: true });
  const writer = () => createPgliteExecutor(db, { role: DATABASE_ROLES.writer });

  beforeAll(async () => {
    db = new PGlite();
    await migrate(owner());
  });
  afterAll(() => db.close());

  const insertIncident = (executor = writer(), id = 'INC-2000') =>
    executor.query({
      sql: `INSERT INTO incidents (id, title, summary, severity, status, commander, services, started_at, updated_at)
            VALUES (:id, 'Checkout errors', 'Card payments failing', 'SEV2', 'investigating', 'lee.okafor', :services::text[], :at, :at)`,
      params: { id, services: textArrayParam(['payments', 'checkout']), at: new Date('2026-11-20T10:00:00.123Z') },
    });

  it('applies each migration once and records it', async () => {
    expect(await migrate(owner())).toEqual({ applied: [], alreadyApplied: [1, 2, 3, 4] });
    const rows = (await owner().query({ sql: 'SELECT version FROM schema_migrations ORDER BY version' })).rows;
    expect(rows).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }]);
  });

  it('refuses to run when an applied migration was edited', async () => {
    const edited = MIGRATIONS.map((migration) => (migration.version === 2 ? { ...migration, statements: [...migration.statements, 'SELECT 1'] } : migration));
    await expect(migrate(owner(), edited)).rejects.toThrow(MigrationDriftError);
  });

  it('rolls a failed migration back entirely', async () => {
    const broken = [...MIGRATIONS, { version: 99, name: 'broken', statements: ['CREATE TABLE half_done (id int)', 'SELECT no_such_function()'] }];
    await expect(migrate(owner(), broken)).rejects.toThrow(SqlStatementError);
    const tables = await owner().query({ sql: "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'half_done'" });
    expect(tables.rows).toEqual([{ n: 0 }]);
  });

  it('gives the reader SELECT only and the writer no DELETE, on every operational table', async () => {
    const privileges = await owner().query({
      sql: `SELECT t AS table_name, p AS privilege,
              has_table_privilege(:reader, t, p) AS reader, has_table_privilege(:writer, t, p) AS writer
            FROM unnest(:tables::text[]) AS t, unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS p`,
      params: { reader: DATABASE_ROLES.reader, writer: DATABASE_ROLES.writer, tables: textArrayParam(OPERATIONAL_TABLES) },
    });
    for (const row of privileges.rows) {
      expect([row.table_name, row.privilege, row.reader]).toEqual([row.table_name, row.privilege, row.privilege === 'SELECT']);
      expect([row.table_name, row.privilege, row.writer]).toEqual([row.table_name, row.privilege, ['SELECT', 'INSERT', 'UPDATE'].includes(row.privilege as string)]);
    }
  });

  // That the reader cannot write and the writer cannot delete or create is in sql-executor.contract.test.ts.
  it('switches to the executor role for every statement, and refuses statements that would leave it', async () => {
    await insertIncident();
    await expect(reader().query({ sql: 'SELECT current_user AS who' })).resolves.toMatchObject({ rows: [{ who: DATABASE_ROLES.reader }] });
    await expect(writer().query({ sql: 'SELECT current_user AS who' })).resolves.toMatchObject({ rows: [{ who: DATABASE_ROLES.writer }] });
    // One superuser session underneath: the executor must not let a statement leave its role.
    const escapes = [
      'SET ROLE postgres',
      'reset role',
      'SET SESSION AUTHORIZATION postgres',
      "SELECT set_config('role', 'postgres', true)",
      `SELECT "set_config"('role', 'postgres', true)`,
      "SELECT query_to_xml('select set_config(''role'',''postgres'',true)', true, true, '')",
    ];
    for (const sql of escapes) {
      await expect(writer().query({ sql })).rejects.toThrow('Refused: statements may not change the database role');
    }
    const count = await owner().query({ sql: 'SELECT count(*)::int AS n FROM incidents' });
    expect(count.rows).toEqual([{ n: 1 }]);
  });

  it('refuses to use the database from inside its own transaction instead of waiting forever', async () => {
    await expect(writer().transaction(async () => reader().query({ sql: 'SELECT 1' }))).rejects.toThrow(/Nested use of the embedded database/);
    await expect(reader().query({ sql: 'SELECT 1 AS one' })).resolves.toMatchObject({ rows: [{ one: 1 }] });
  });
});
