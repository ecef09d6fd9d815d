import { PGlite } from '@electric-sql/pglite';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { startDataApiTestEndpoint } from '@gmcp/local-aws';
import { z } from 'zod';
import { integerColumn, jsonColumn, parseRows, selectRows, textArrayColumn, timestampColumn } from '../src/sql/codecs';
import { createDataApiExecutor } from '../src/sql/data-api-executor';
import { createPgliteExecutor } from '../src/sql/pglite-executor';
import { SqlStatementError } from '../src/sql/sql-errors';
import type { SqlExecutor, SqlSession } from '../src/sql/sql-executor';
import { jsonParam, textArrayParam, type Statement } from '../src/sql/statement';
import { createLogin } from '../src/schema/logins';
import { migrate } from '../src/schema/migrate';
import { DATABASE_ROLES } from '../src/schema/roles';
import { seedDatabase } from '../src/seed/seed-database';
import { createIncidentReads } from '../src/reads/incident-reads';
import { createTicketReads } from '../src/reads/ticket-reads';

/**
 * The SqlExecutor port's contract, run identically against every adapter: embedded PGlite,
 * and the RDS Data API through the real RDSDataClient against the Data API test endpoint
 * (over PGlite). Each adapter gets its own migrated and seeded database, a writer executor
 * (the adapter under test) and a reader executor with read-only sessions.
 */
interface StartedExecutor {
  /** The writer's executor: SELECT, INSERT and UPDATE on the operational tables. */
  readonly adapter: SqlExecutor;
  /** The reader's executor, built the same way: SELECT only, read-only sessions. */
  readonly reader: SqlExecutor;
  stop(): Promise<void>;
}

interface ExecutorFactory {
  readonly name: string;
  start(): Promise<StartedExecutor>;
}

const SEEDED_AT = new Date('2026-11-25T12:00:00Z');
const CLUSTER = 'arn:aws:rds:us-east-1:000000000000:cluster:gmcp-ops';
const READER_SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:gmcp/ops-reader-AbCdEf';
const WRITER_SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:gmcp/ops-writer-GhIjKl';

async function seededDatabase() {
  const db = new PGlite();
  const owner = createPgliteExecutor(db);
  await migrate(owner);
  await seedDatabase(owner, { now: SEEDED_AT });
  return { db, owner };
}

const pglite: ExecutorFactory = {
  name: 'PGlite (embedded)',
  async start() {
    const { db } = await seededDatabase();
    return {
      adapter: createPgliteExecutor(db, { role: DATABASE_ROLES.writer }),
      reader: createPgliteExecutor(db, { role: DATABASE_ROLES.reader, readOnly: true }),
      stop: () => db.close(),
    };
  },
};

const dataApi: ExecutorFactory = {
  name: 'RDS Data API (RDSDataClient against the test endpoint on loopback)',
  async start() {
    const { db, owner } = await seededDatabase();
    await createLogin(owner, 'reader', 'ops_reader');
    await createLogin(owner, 'writer', 'ops_writer');
    const endpoint = await startDataApiTestEndpoint({ db, resourceArn: CLUSTER, secrets: { [READER_SECRET]: { user: 'ops_reader' }, [WRITER_SECRET]: { user: 'ops_writer' } } });
    const client = new RDSDataClient({ region: 'us-east-1', endpoint: endpoint.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const target = { client, resourceArn: CLUSTER, database: 'ops' };
    return {
      adapter: createDataApiExecutor({ ...target, secretArn: WRITER_SECRET }),
      reader: createDataApiExecutor({ ...target, secretArn: READER_SECRET }),
      async stop() {
        client.destroy();
        await endpoint.stop();
        await db.close();
      },
    };
  },
};

/** Every read the servers make, with the typed values they return. */
async function everyRead(executor: SqlExecutor) {
  const [tickets, incidents] = [createTicketReads(executor), createIncidentReads(executor)];
  const firstPage = await tickets.search({ team: 'network' }, { limit: 3 });
  return {
    ticket: await tickets.get('TCK-1042'),
    search: await tickets.search({ text: 'vpn', statuses: ['open', 'in_progress', 'waiting'] }, { limit: 5 }),
    firstPage,
    secondPage: await tickets.search({ team: 'network' }, { limit: 3, after: firstPage.next }),
    incident: await incidents.get('INC-2031'),
    incidents: await incidents.list({ statuses: ['investigating', 'identified', 'mitigated'], service: 'payments', since: new Date('2026-01-01T00:00:00Z') }, { limit: 10 }),
  };
}

const incident = (id: string, at = new Date('2026-11-20T10:00:00.123Z')): Statement => ({
  sql: `INSERT INTO incidents (id, title, summary, severity, status, commander, services, started_at, updated_at)
        VALUES (:id, 'Checkout errors', 'Card payments failing', 'SEV2', 'investigating', 'lee.okafor', :services::text[], :at, :at)`,
  params: { id, services: textArrayParam(['contract-tests', 'checkout']), at },
});

const timelineEntry = (incidentId: string, body: string): Statement => ({
  sql: `INSERT INTO incident_timeline (incident_id, at, author, kind, body) VALUES (:incidentId, now(), 'contract.bot', 'update', :body)`,
  params: { incidentId, body },
});

const bodiesOf = async (session: SqlSession, incidentId: string) =>
  (await selectRows(session, z.object({ body: z.string() }), { sql: 'SELECT body FROM incident_timeline WHERE incident_id = :incidentId ORDER BY id', params: { incidentId } })).map((row) => row.body);

const statusOf = async (session: SqlSession, id: string) =>
  (await selectRows(session, z.object({ status: z.string() }), { sql: 'SELECT status FROM incidents WHERE id = :id', params: { id } }))[0]?.status;

/** Statements the database refuses, with the SQLSTATE each must surface with. */
const REFUSED: readonly { label: string; statement: Statement; sqlState: string }[] = [
  { label: 'an unknown table', statement: { sql: 'SELECT * FROM no_such_table' }, sqlState: '42P01' },
  { label: 'a syntax error', statement: { sql: 'SELEC 1' }, sqlState: '42601' },
  { label: 'a parameter of the wrong form', statement: { sql: 'SELECT :n::int AS n', params: { n: 'twelve' } }, sqlState: '22P02' },
  { label: 'a division by zero', statement: { sql: 'SELECT 1 / (:zero::int) AS n', params: { zero: 0 } }, sqlState: '22012' },
  { label: 'a duplicate key', statement: incident('INC-2031'), sqlState: '23505' },
  { label: 'a foreign key to nothing', statement: timelineEntry('INC-0001', 'orphan'), sqlState: '23503' },
  { label: 'a check constraint', statement: { sql: "UPDATE incidents SET severity = 'SEV9' WHERE id = 'INC-2031'" }, sqlState: '23514' },
];

/** The reference answers: the same seed, read once by the schema owner on a database of its own. */
let reference: Awaited<ReturnType<typeof everyRead>>;
beforeAll(async () => {
  const { db, owner } = await seededDatabase();
  reference = await everyRead(owner);
  await db.close();
});

describe.each([pglite, dataApi])('SqlExecutor contract: $name', (factory) => {
  let started: StartedExecutor;
  let adapter: SqlExecutor;
  let reader: SqlExecutor;
  beforeAll(async () => {
    started = await factory.start();
    ({ adapter, reader } = started);
  });
  afterAll(() => started.stop());

  // First: the statements below add rows.
  it('gives every read the servers make exactly the typed rows of the reference', async () => {
    expect(reference.ticket).toBeDefined();
    expect(reference.incident).toBeDefined();
    expect([reference.search.items.length, reference.secondPage.items.length, reference.incidents.items.length].every((n) => n > 0)).toBe(true);
    expect(await everyRead(reader)).toEqual(reference);
  });

  it('binds named parameters of every codec type and reads them back as the same typed values', async () => {
    const at = new Date('2026-11-24T10:11:12.345Z');
    const details = { from: 'SEV2', to: 'SEV1', ratio: 0.4, notes: ['a "quote"', 'ünï ✓'], none: null };
    const services = ['payments', 'a "b" c', 'comma, inside', 'back\\slash', '{braces}', 'ünï'];
    const text = `It's "quoted", back\\slashed,\nmulti-line ✓ 🙂`;
    const row = z.object({
      at: timestampColumn, details: jsonColumn(z.unknown()), services: textArrayColumn, empty: textArrayColumn, text: z.string(),
      nothing: z.null(), n: integerColumn, big: integerColumn, ratio: z.number(), flag: z.boolean(),
    });
    const rows = await selectRows(adapter, row, {
      sql: `SELECT :at::timestamptz AS at, :details::jsonb AS details, :services::text[] AS services, :empty::text[] AS empty, :text::text AS text,
              :nothing::text AS nothing, :n::int AS n, :big::bigint AS big, :ratio::float8 AS ratio, :flag::boolean AS flag`,
      params: { at, details: jsonParam(details), services: textArrayParam(services), empty: textArrayParam([]), text, nothing: null, n: -42, big: Number.MAX_SAFE_INTEGER, ratio: 0.25, flag: false },
    });
    expect(rows).toEqual([{ at, details, services, empty: [], text, nothing: null, n: -42, big: Number.MAX_SAFE_INTEGER, ratio: 0.25, flag: false }]);
  });

  it('stores timestamps, JSON, arrays and numbers, and finds them again by an equal timestamp', async () => {
    await adapter.query(incident('INC-9000'));
    const at = new Date('2026-11-21T08:15:30.456Z');
    await adapter.query({
      sql: `INSERT INTO incident_timeline (incident_id, at, author, kind, body, details) VALUES ('INC-9000', :at, :author, 'severity_change', :body, :details::jsonb)`,
      params: { at, author: 'lee.okafor', body: 'Raised to SEV1: 40% of card payments failing', details: jsonParam({ from: 'SEV2', to: 'SEV1', ratio: 0.4 }) },
    });
    const row = z.object({ at: timestampColumn, details: jsonColumn(z.object({ from: z.string(), to: z.string(), ratio: z.number() })), services: textArrayColumn, missing: z.null(), n: integerColumn, flag: z.boolean() });
    const rows = parseRows(
      row,
      (await reader.query({
        sql: `SELECT e.at, e.details, i.services, :nothing::text AS missing, :n::int AS n, :flag::boolean AS flag
              FROM incident_timeline e JOIN incidents i ON i.id = e.incident_id WHERE e.at = :at`,
        params: { at, nothing: null, n: 7, flag: true },
      })).rows,
    );
    expect(rows).toEqual([{ at, details: { from: 'SEV2', to: 'SEV1', ratio: 0.4 }, services: ['contract-tests', 'checkout'], missing: null, n: 7, flag: true }]);
  });

  it('takes placeholders from code only, and binds a name used twice to one value', async () => {
    const { rows } = await adapter.query({
      sql: `SELECT ':not_a_param' AS literal, $$ :nor_this $$ AS dollar, "quoted:name"::text AS ident, :v::int + :v::int AS twice /* :nor_a_comment */
            FROM (SELECT 'ok' AS "quoted:name") AS t -- :nor_a_line_comment`,
      params: { v: 21 },
    });
    expect(rows).toEqual([{ literal: ':not_a_param', dollar: ' :nor_this ', ident: 'ok', twice: 42 }]);
  });

  it('refuses a placeholder without a parameter as a SqlStatementError', async () => {
    await expect(adapter.query({ sql: 'SELECT :absent::int AS n' })).rejects.toBeInstanceOf(SqlStatementError);
  });

  it('returns no rows for an empty result, and counts the rows a write affected (0 for a read)', async () => {
    await expect(reader.query({ sql: 'SELECT id FROM incidents WHERE false' })).resolves.toEqual({ rows: [], rowsAffected: 0 });
    expect((await adapter.query(incident('INC-9001'))).rowsAffected).toBe(1);
    const result = await adapter.query({ sql: "UPDATE incidents SET commander = 'amira.haddad' WHERE id = ANY(:ids::text[])", params: { ids: textArrayParam(['INC-9001', 'INC-9999']) } });
    expect(result.rowsAffected).toBe(1);
  });

  it.each(REFUSED)('surfaces $label as a SqlStatementError with SQLSTATE $sqlState', async ({ statement, sqlState }) => {
    const error = await adapter.query(statement).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SqlStatementError);
    expect(error).toMatchObject({ name: 'SqlStatementError', sqlState });
    await expect(adapter.query({ sql: 'SELECT 1 AS one' })).resolves.toMatchObject({ rows: [{ one: 1 }] });
  });

  it('acts as the role it was built with: the reader cannot write, the writer cannot delete or create', async () => {
    await adapter.query(incident('INC-9002'));
    await expect(reader.query(incident('INC-9003'))).rejects.toMatchObject({ name: 'SqlStatementError', sqlState: '25006' });
    await expect(reader.query({ sql: "UPDATE incidents SET status = 'resolved' WHERE id = 'INC-9002'" })).rejects.toMatchObject({ sqlState: '25006' });
    await expect(reader.transaction((session) => session.query(timelineEntry('INC-9002', 'from the reader')))).rejects.toMatchObject({ sqlState: '25006' });
    await expect(adapter.query({ sql: "DELETE FROM incidents WHERE id = 'INC-9002'" })).rejects.toMatchObject({ name: 'SqlStatementError', sqlState: '42501' });
    await expect(adapter.query({ sql: 'CREATE TABLE sneaky (id int)' })).rejects.toMatchObject({ sqlState: '42501' });
    const left = await reader.query({ sql: "SELECT id, status FROM incidents WHERE id IN ('INC-9002', 'INC-9003')" });
    expect(left.rows).toEqual([{ id: 'INC-9002', status: 'investigating' }]);
    expect(await bodiesOf(reader, 'INC-9002')).toEqual([]);
  });

  it('commits a transaction whose work resolves, and returns what the work returned', async () => {
    await adapter.query(incident('INC-9010'));
    const result = await adapter.transaction(async (session) => {
      expect((await session.query(timelineEntry('INC-9010', 'kept'))).rowsAffected).toBe(1);
      await session.query({ sql: "UPDATE incidents SET status = 'identified' WHERE id = 'INC-9010'" });
      return 'done';
    });
    expect(result).toBe('done');
    expect(await bodiesOf(reader, 'INC-9010')).toEqual(['kept']);
    expect(await statusOf(reader, 'INC-9010')).toBe('identified');
  });

  it('rolls every statement back when the work throws, and rethrows that error', async () => {
    await adapter.query(incident('INC-9011'));
    const abandon = new Error('changed my mind');
    await expect(
      adapter.transaction(async (session) => {
        await session.query(timelineEntry('INC-9011', 'discarded'));
        await session.query({ sql: "UPDATE incidents SET status = 'mitigated' WHERE id = 'INC-9011'" });
        throw abandon;
      }),
    ).rejects.toBe(abandon);
    expect(await bodiesOf(reader, 'INC-9011')).toEqual([]);
    expect(await statusOf(reader, 'INC-9011')).toBe('investigating');
  });

  it('rolls back the statements before a refused one, which surfaces as a SqlStatementError with its SQLSTATE', async () => {
    await adapter.query(incident('INC-9012'));
    const error = await adapter
      .transaction(async (session) => {
        await session.query(timelineEntry('INC-9012', 'before the refusal'));
        await session.query(incident('INC-9012'));
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SqlStatementError);
    expect(error).toMatchObject({ sqlState: '23505' });
    expect(await bodiesOf(reader, 'INC-9012')).toEqual([]);
    await expect(adapter.query({ sql: 'SELECT 1 AS one' })).resolves.toMatchObject({ rows: [{ one: 1 }] });
  });

  it('runs helpers given the transaction\'s session inside it: they see its uncommitted writes', async () => {
    await adapter.query(incident('INC-9013'));
    const seen = await adapter.transaction(async (session) => {
      await session.query(timelineEntry('INC-9013', 'first'));
      await session.query(timelineEntry('INC-9013', 'second'));
      return { bodies: await bodiesOf(session, 'INC-9013'), status: await statusOf(session, 'INC-9013') };
    });
    expect(seen).toEqual({ bodies: ['first', 'second'], status: 'investigating' });
    expect(await bodiesOf(reader, 'INC-9013')).toEqual(['first', 'second']);
  });
});
