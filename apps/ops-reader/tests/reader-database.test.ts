import { createLogger } from '@gmcp/mcp-kit';
import { PGlite } from '@electric-sql/pglite';
import { startDataApiTestEndpoint, type DataApiTestEndpoint } from '@gmcp/local-aws';
import { createLogin, createPgliteExecutor, migrate, openLocalOpsDatabase, ReaderLoginError, ReadOnlyViolationError } from '@gmcp/ops-data';
import { opsReaderServer } from '../src/server';
import { openReaderDatabase } from '../src/database';

describe('the reader database', () => {
  it('is seeded locally and refuses anything but a read, before and inside the database', async () => {
    const env = opsReaderServer.parseEnv({ PORT: '0', AUTH_ISSUER: 'http://127.0.0.1:4100', AUDIT_HMAC_KEY: Buffer.alloc(32, 1).toString('base64') });
    const database = await openReaderDatabase(env, createLogger('test', 'SILENT'));
    try {
      const { rows } = await database.executor.query({ sql: 'SELECT count(*)::int AS n, current_user AS who FROM tickets' });
      expect(rows[0]).toEqual({ n: expect.any(Number), who: 'gmcp_ops_read' });
      expect(rows[0]!.n).toBeGreaterThanOrEqual(200);
      await expect(database.executor.query({ sql: "UPDATE tickets SET status = 'closed'" })).rejects.toBeInstanceOf(ReadOnlyViolationError);
      await expect(database.executor.transaction(async () => undefined)).rejects.toBeInstanceOf(ReadOnlyViolationError);
      // Past the guard, the database itself refuses: the reader's role and session cannot write.
      const local = await openLocalOpsDatabase({});
      try {
        await expect(local.executorFor('reader').query({ sql: "UPDATE tickets SET status = 'closed'" })).rejects.toMatchObject({ sqlState: '25006' });
        await expect(local.executorFor('reader').query({ sql: "SELECT lo_from_bytea(0, decode('00', 'hex'))" })).rejects.toMatchObject({ sqlState: '25006' });
      } finally {
        await local.release();
      }
    } finally {
      await database.close();
    }
  });
});

describe('the reader database on the Data API', () => {
  const CLUSTER = 'arn:aws:rds:us-east-1:000000000000:cluster:gmcp-ops';
  const secret = (name: string) => `arn:aws:secretsmanager:us-east-1:000000000000:secret:gmcp/${name}-AbCdEf`;
  let db: PGlite;
  let endpoint: DataApiTestEndpoint;
  beforeAll(async () => {
    db = new PGlite();
    const owner = createPgliteExecutor(db);
    await migrate(owner);
    await createLogin(owner, 'reader', 'ops_reader');
    await createLogin(owner, 'writer', 'ops_writer');
    endpoint = await startDataApiTestEndpoint({ db, resourceArn: CLUSTER, secrets: { [secret('ops-reader')]: { user: 'ops_reader' }, [secret('ops-writer')]: { user: 'ops_writer' } } });
  });
  afterAll(async () => {
    await endpoint.stop();
    await db.close();
  });

  const open = (secretArn: string) =>
    openReaderDatabase(
      opsReaderServer.parseEnv({
        PORT: '0',
        AUTH_ISSUER: 'http://127.0.0.1:4100',
        AUDIT_HMAC_KEY: Buffer.alloc(32, 1).toString('base64'),
        OPS_DATABASE: 'data-api',
        DATA_API_RESOURCE_ARN: CLUSTER,
        DATA_API_SECRET_ARN: secretArn,
        RDS_DATA_ENDPOINT: endpoint.endpoint,
      }),
      createLogger('test', 'SILENT'),
    );

  it('starts with the reader login', async () => {
    const database = await open(secret('ops-reader'));
    await expect(database.executor.query({ sql: 'SELECT count(*)::int AS n FROM tickets' })).resolves.toMatchObject({ rows: [{ n: 0 }] });
    await database.close();
  });

  it('refuses to start with the writer login configured by mistake', async () => {
    await expect(open(secret('ops-writer'))).rejects.toThrow(ReaderLoginError);
  });
});
