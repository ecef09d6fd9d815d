import { PGlite } from '@electric-sql/pglite';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { startDataApiTestEndpoint, type DataApiTestEndpoint } from '@gmcp/local-aws';
import { createDataApiExecutor } from '../src/sql/data-api-executor';
import { createPgliteExecutor } from '../src/sql/pglite-executor';
import { DatabaseConfigurationError, DatabaseUnavailableError } from '../src/sql/sql-errors';
import { migrate } from '../src/schema/migrate';
import { assertReadOnlyLogin, createLogin } from '../src/schema/logins';
import { seedDatabase } from '../src/seed/seed-database';
import { createTicketReads } from '../src/reads/ticket-reads';
import { createIncidentReads } from '../src/reads/incident-reads';
import { jsonParam, textArrayParam } from '../src/sql/statement';
import type { SqlExecutor } from '../src/sql/sql-executor';

const CLUSTER = 'arn:aws:rds:us-east-1:000000000000:cluster:gmcp-ops';
const READER_SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:gmcp/ops-reader-AbCdEf';
const WRITER_SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:gmcp/ops-writer-GhIjKl';
const ZONED_READER_SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:gmcp/ops-reader-ny-MnOpQr';
const FAST_RETRY = { budgetMs: 2_000, initialDelayMs: 20, maxDelayMs: 100 };

// What every SqlExecutor does (parameters, codecs, transactions, refusals, roles) is in sql-executor.contract.test.ts;
// this file keeps what only the Data API adapter does: its wire, logins, resume retry and error mapping.
describe('Data API executor against a Data API endpoint over PGlite', () => {
  let db: PGlite;
  let endpoint: DataApiTestEndpoint;
  let client: RDSDataClient;
  let reader: SqlExecutor;
  let zonedReader: SqlExecutor;
  let writer: SqlExecutor;

  beforeAll(async () => {
    db = new PGlite();
    const owner = createPgliteExecutor(db);
    await migrate(owner);
    await seedDatabase(owner, { now: new Date('2026-11-25T12:00:00Z') });
    await createLogin(owner, 'reader', 'ops_reader');
    await createLogin(owner, 'writer', 'ops_writer');
    // A login whose sessions run in New York time: parameters and cursors must not shift with it.
    await createLogin(owner, 'reader', 'ops_reader_ny');
    await owner.query({ sql: "ALTER ROLE ops_reader_ny SET timezone = 'America/New_York'" });
    endpoint = await startDataApiTestEndpoint({
      db,
      resourceArn: CLUSTER,
      secrets: { [READER_SECRET]: { user: 'ops_reader' }, [WRITER_SECRET]: { user: 'ops_writer' }, [ZONED_READER_SECRET]: { user: 'ops_reader_ny' } },
    });
    client = new RDSDataClient({ region: 'us-east-1', endpoint: endpoint.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const target = { client, resourceArn: CLUSTER, database: 'ops', retry: FAST_RETRY };
    reader = createDataApiExecutor({ ...target, secretArn: READER_SECRET });
    zonedReader = createDataApiExecutor({ ...target, secretArn: ZONED_READER_SECRET });
    writer = createDataApiExecutor({ ...target, secretArn: WRITER_SECRET });
  });
  afterAll(async () => {
    client.destroy();
    await endpoint.stop();
    await db.close();
  });

  it('pages and filters by time the same whatever time zone the login sessions use', async () => {
    const everything = async (reads: ReturnType<typeof createIncidentReads>, since?: Date) => {
      const ids: string[] = [];
      let after: Awaited<ReturnType<typeof reads.list>>['next'];
      do {
        const page = await reads.list({ since }, { limit: 7, after });
        ids.push(...page.items.map((item) => item.incident.id));
        after = page.next;
      } while (after);
      return ids;
    };
    const [utc, zoned] = [createIncidentReads(reader), createIncidentReads(zonedReader)];
    const all = await everything(utc);
    expect(all.length).toBeGreaterThanOrEqual(40);
    expect(new Set(all).size).toBe(all.length);
    expect(await everything(zoned)).toEqual(all);
    const since = (await utc.get(all[9]!))!.incident.startedAt;
    expect(await everything(zoned, since)).toEqual(all.slice(0, 10));
    const tickets = await createTicketReads(zonedReader).search({ createdAfter: since }, { limit: 50 });
    expect(tickets.total).toBe((await createTicketReads(reader).search({ createdAfter: since }, { limit: 50 })).total);
  });

  it('sends named parameters with type hints; its wire gives timestamps as UTC text, JSON as text, longs typed', async () => {
    const at = new Date('2026-11-24T10:11:12.345Z');
    const { rows } = await reader.query({
      sql: 'SELECT :at::timestamptz AS at, :details::jsonb AS details, :services::text[] AS services, :nothing::text AS nothing, :n AS n, :ratio AS ratio, :flag AS flag',
      params: { at, details: jsonParam({ from: 'SEV2', to: 'SEV1' }), services: textArrayParam(['payments', 'a "b" c']), nothing: null, n: 42, ratio: 0.25, flag: false },
    });
    expect(rows).toEqual([{ at: '2026-11-24 10:11:12.345', details: '{"to": "SEV1", "from": "SEV2"}', services: ['payments', 'a "b" c'], nothing: null, n: 42, ratio: 0.25, flag: false }]);
    const request = endpoint.requests.at(-1)!;
    expect(request).toMatchObject({ operation: 'ExecuteStatement', secretArn: READER_SECRET });
  });

  it('accepts the reader login and refuses the writer login as a reader', async () => {
    await expect(assertReadOnlyLogin(reader)).resolves.toBeUndefined();
    await expect(assertReadOnlyLogin(writer)).rejects.toThrow(/login "ops_writer" can write \(tickets:INSERT, tickets:UPDATE/);
  });

  it('runs a transaction as BeginTransaction, statements, then CommitTransaction or RollbackTransaction', async () => {
    const comment = (body: string) => ({
      sql: "INSERT INTO ticket_comments (ticket_id, author, body, created_at) VALUES ('TCK-1042', 'it.bot', :body, now())",
      params: { body },
    });
    const operationsOf = async (work: () => Promise<unknown>) => {
      const from = endpoint.requests.length;
      await work().catch(() => undefined);
      return endpoint.requests.slice(from).map((request) => request.operation);
    };
    expect(await operationsOf(() => writer.transaction((session) => session.query(comment('kept'))))).toEqual(['BeginTransaction', 'ExecuteStatement', 'CommitTransaction']);
    const abandoned = () =>
      writer.transaction(async (session) => {
        await session.query(comment('discarded'));
        throw new Error('abandon');
      });
    expect(await operationsOf(abandoned)).toEqual(['BeginTransaction', 'ExecuteStatement', 'RollbackTransaction']);
  });

  it('retries while the cluster resumes, then answers', async () => {
    endpoint.resumeFor(3);
    await expect(reader.query({ sql: 'SELECT 1 AS one' })).resolves.toMatchObject({ rows: [{ one: 1 }] });
  });

  it('gives up with a temporary error when the cluster does not resume within the budget', async () => {
    endpoint.resumeFor(1_000);
    const started = Date.now();
    await expect(reader.query({ sql: 'SELECT 1 AS one' })).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(Date.now() - started).toBeLessThan(FAST_RETRY.budgetMs + 500);
    endpoint.resumeFor(0);
  });

  it('reports a wrong cluster or a secret it cannot read as a configuration error, not as something to retry', async () => {
    for (const [resourceArn, secretArn] of <[string, string][]>[
      ['arn:aws:rds:us-east-1:000000000000:cluster:other', READER_SECRET],
      [CLUSTER, 'arn:aws:secretsmanager:us-east-1:000000000000:secret:gmcp/unknown-ZzZzZz'],
    ]) {
      const executor = createDataApiExecutor({ client, resourceArn, secretArn, database: 'ops', retry: FAST_RETRY });
      const error = await executor.query({ sql: 'SELECT 1' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DatabaseConfigurationError);
      expect(error).not.toBeInstanceOf(DatabaseUnavailableError);
      expect((error as Error).message).toMatch(/^The Data API refused the request \((HttpEndpointNotEnabledException|SecretsErrorException): /);
    }
  });

  it('reports an unreachable endpoint as a temporary failure', async () => {
    const offline = new RDSDataClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const executor = createDataApiExecutor({ client: offline, resourceArn: CLUSTER, secretArn: READER_SECRET, database: 'ops', retry: FAST_RETRY });
    await expect(executor.query({ sql: 'SELECT 1' })).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await executor.close();
  });
});
