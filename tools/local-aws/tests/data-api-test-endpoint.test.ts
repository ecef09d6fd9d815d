import { PGlite } from '@electric-sql/pglite';
import {
  BadRequestException,
  BatchExecuteStatementCommand,
  BeginTransactionCommand,
  CommitTransactionCommand,
  DatabaseErrorException,
  DatabaseResumingException,
  ExecuteStatementCommand,
  ForbiddenException,
  HttpEndpointNotEnabledException,
  RDSDataClient,
  RollbackTransactionCommand,
  SecretsErrorException,
  UnsupportedResultException,
  type ExecuteStatementCommandInput,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
import { startDataApiTestEndpoint, type DataApiTestEndpoint } from '../src';

const CLUSTER = 'arn:aws:rds:us-east-1:000000000000:cluster:gmcp-ops';
const READER = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:reader-AbCdEf';
const WRITER = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:writer-GhIjKl';
const OWNER = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:owner-MnOpQr';
const ZONED = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:zoned-StUvWx';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Awaits a rejection and checks the SDK raised the modelled exception class with that message. */
async function expectFailure(promise: Promise<unknown>, type: abstract new (...args: never[]) => Error, message: string): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(type);
  expect((error as Error).message).toBe(message);
}

describe('RDS Data API test endpoint', () => {
  let db: PGlite;
  let endpoint: DataApiTestEndpoint;
  let client: RDSDataClient;

  const execute = (secretArn: string, sql: string, more: Partial<ExecuteStatementCommandInput> = {}) =>
    client.send(new ExecuteStatementCommand({ resourceArn: CLUSTER, secretArn, database: 'ops', sql, ...more }));
  const json = async (secretArn: string, sql: string, parameters?: SqlParameter[]) =>
    JSON.parse((await execute(secretArn, sql, { parameters, formatRecordsAs: 'JSON' })).formattedRecords ?? 'null') as Record<string, unknown>[];
  const begin = async (secretArn: string) => (await client.send(new BeginTransactionCommand({ resourceArn: CLUSTER, secretArn, database: 'ops' }))).transactionId!;
  const commit = (transactionId: string) => client.send(new CommitTransactionCommand({ resourceArn: CLUSTER, secretArn: WRITER, transactionId }));
  const rollback = (transactionId: string) => client.send(new RollbackTransactionCommand({ resourceArn: CLUSTER, secretArn: WRITER, transactionId }));
  const count = async (where: string) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM items WHERE ${where}`)).rows[0]!.n;

  beforeAll(async () => {
    db = new PGlite();
    await db.exec(`
      CREATE TYPE mood AS ENUM ('calm', 'busy');
      CREATE TABLE items (
        id int PRIMARY KEY, name text, big bigint, price numeric(10,2), active bool, at timestamptz,
        doc jsonb, tags text[], mood mood, blob bytea, ratio float8, day date, uid uuid);
      INSERT INTO items VALUES
        (1, 'first', 9007199254740993, 12.50, true, '2024-01-02 03:04:05.123456+00', '{"b": 1, "a": [true, null]}',
         ARRAY['x', 'y z', NULL], 'calm', '\\x0102ff', 0.25, '2024-02-29', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
        (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
      CREATE ROLE reader_user NOLOGIN;
      GRANT SELECT ON items TO reader_user;
      ALTER ROLE reader_user SET default_transaction_read_only = on;
      CREATE ROLE writer_user NOLOGIN;
      GRANT SELECT, INSERT ON items TO writer_user;
      CREATE ROLE zoned_user NOLOGIN;
      ALTER ROLE zoned_user SET timezone = 'Asia/Kolkata';`);
    endpoint = await startDataApiTestEndpoint({
      db,
      secrets: { [READER]: { user: 'reader_user' }, [WRITER]: { user: 'writer_user' }, [OWNER]: { user: 'postgres' }, [ZONED]: { user: 'zoned_user' } },
    });
    client = new RDSDataClient({ region: 'us-east-1', endpoint: endpoint.endpoint, credentials, maxAttempts: 1 });
  });

  afterAll(async () => {
    client.destroy();
    await endpoint.stop();
    await db.close();
  });

  describe('named parameters', () => {
    it('binds :name placeholders and leaves literals, quoted names, casts, comments and dollar bodies alone', async () => {
      const sql = `SELECT :a::text AS a, ':notaparam' AS lit, 'it''s :x' AS quoted, E'\\' :y' AS escaped, 1 AS "col:z",
        $$ :w $$ AS body, $t$ :v $t$ AS tagged, :a || '!' AS again, :n + 1 AS n -- :c
        /* :d /* :e */ */`;
      const rows = await json(READER, sql, [
        { name: 'a', value: { stringValue: 'A' } },
        { name: 'n', value: { longValue: 41 } },
      ]);
      expect(rows).toEqual([{ a: 'A', lit: ':notaparam', quoted: "it's :x", escaped: "' :y", 'col:z': 1, body: ' :w ', tagged: ' :v ', again: 'A!', n: 42 }]);
      expect(endpoint.requests.at(-1)).toEqual({ operation: 'ExecuteStatement', secretArn: READER, sql });
    });

    it('refuses a placeholder without a parameter, and array parameters, with BadRequestException', async () => {
      const missing = execute(READER, 'SELECT :a AS a, :b AS b', { parameters: [{ name: 'a', value: { longValue: 1 } }] });
      await expect(missing).rejects.toThrow(BadRequestException);
      await expect(missing).rejects.toThrow('No value specified for parameter: b');
      const array = execute(READER, 'SELECT :a AS a', { parameters: [{ name: 'a', value: { arrayValue: { longValues: [1] } } }] });
      await expectFailure(array, BadRequestException, 'Array parameters are not supported.');
    });

    it('types values by typeHint and binds other strings as varchar, as the service does', async () => {
      const parameters: SqlParameter[] = [
        { name: 'id', value: { longValue: 10 } },
        { name: 'at', value: { stringValue: '2024-03-04 05:06:07.89' }, typeHint: 'TIMESTAMP' },
        { name: 'doc', value: { stringValue: '{"k": [1, 2]}' }, typeHint: 'JSON' },
        { name: 'price', value: { stringValue: '3.10' }, typeHint: 'DECIMAL' },
        { name: 'day', value: { stringValue: '2024-03-04' }, typeHint: 'DATE' },
        { name: 'uid', value: { stringValue: 'b1eebc99-9c0b-4ef8-bb6d-6bb9bd380a22' }, typeHint: 'UUID' },
        { name: 'blob', value: { blobValue: new Uint8Array([0, 255]) } },
        { name: 'ratio', value: { doubleValue: 1.5 } },
        { name: 'active', value: { booleanValue: false } },
        { name: 'name', value: { isNull: true } },
      ];
      const inserted = await execute(WRITER, 'INSERT INTO items (id, at, doc, price, day, uid, blob, ratio, active, name) VALUES (:id, :at, :doc, :price, :day, :uid, :blob, :ratio, :active, :name)', { parameters });
      expect(inserted.numberOfRecordsUpdated).toBe(1);
      const { rows } = await db.query("SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS at, doc, price::text, day::text, uid, encode(blob, 'hex') AS blob, ratio, active, name FROM items WHERE id = 10");
      expect(rows).toEqual([{ at: '2024-03-04 05:06:07.890', doc: { k: [1, 2] }, price: '3.10', day: '2024-03-04', uid: 'b1eebc99-9c0b-4ef8-bb6d-6bb9bd380a22', blob: '00ff', ratio: 1.5, active: false, name: null }]);

      const untyped = execute(WRITER, 'INSERT INTO items (id, doc) VALUES (11, :doc)', { parameters: [{ name: 'doc', value: { stringValue: '{}' } }] });
      await expect(untyped).rejects.toThrow(DatabaseErrorException);
      await expect(untyped).rejects.toThrow(/^ERROR: column "doc" is of type jsonb but expression is of type character varying; Position: \d+; SQLState: 42804$/);
      const iso = execute(WRITER, 'SELECT :at AS at', { parameters: [{ name: 'at', value: { stringValue: '2024-03-04T05:06:07Z' }, typeHint: 'TIMESTAMP' }] });
      await expect(iso).rejects.toThrow(BadRequestException);
    });
  });

  describe('results', () => {
    it('formats every type as JSON the way the service does (formatRecordsAs JSON)', async () => {
      const output = await execute(READER, 'SELECT * FROM items WHERE id IN (1, 2) ORDER BY id', { formatRecordsAs: 'JSON' });
      expect(output.records).toBeUndefined();
      expect(output.columnMetadata).toBeUndefined();
      expect(output.numberOfRecordsUpdated).toBe(0);
      expect(output.formattedRecords).toContain('"big":9007199254740993');
      expect(JSON.parse(output.formattedRecords!)).toEqual([
        {
          id: 1, name: 'first', big: 9007199254740992, price: '12.50', active: true, at: '2024-01-02 03:04:05.123456',
          doc: '{"a": [true, null], "b": 1}', tags: ['x', 'y z', null], mood: 'calm', blob: 'AQL/', ratio: 0.25,
          day: '2024-02-29', uid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        },
        { id: 2, name: null, big: null, price: null, active: null, at: null, doc: null, tags: null, mood: null, blob: null, ratio: null, day: null, uid: null },
      ]);
    });

    it('writes timestamps in UTC with a fraction only when there is one, whatever time zone the role sets', async () => {
      const rows = await json(ZONED, "SELECT current_setting('TimeZone') AS zone, '2024-01-02 05:04:05+02'::timestamptz AS tz, '2024-01-02 03:04:05'::timestamp AS plain, '2024-01-02 03:04:05.5'::timestamp AS half");
      expect(rows).toEqual([{ zone: 'Asia/Kolkata', tz: '2024-01-02 03:04:05', plain: '2024-01-02 03:04:05', half: '2024-01-02 03:04:05.5' }]);
    });

    it('returns Field records, and column metadata only when asked', async () => {
      const output = await execute(READER, 'SELECT * FROM items WHERE id IN (1, 2) ORDER BY id', { includeResultMetadata: true });
      expect(output.formattedRecords).toBeUndefined();
      expect(output.records?.[0]).toEqual([
        { longValue: 1 }, { stringValue: 'first' }, { longValue: 9007199254740992 }, { stringValue: '12.50' }, { booleanValue: true },
        { stringValue: '2024-01-02 03:04:05.123456' }, { stringValue: '{"a": [true, null], "b": 1}' },
        { arrayValue: { stringValues: ['x', 'y z', null] } }, { stringValue: 'calm' }, { blobValue: new Uint8Array([1, 2, 255]) },
        { doubleValue: 0.25 }, { stringValue: '2024-02-29' }, { stringValue: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' },
      ]);
      expect(output.records?.[1]).toEqual([{ longValue: 2 }, ...Array.from({ length: 12 }, () => ({ isNull: true }))]);
      expect(output.columnMetadata?.map(({ name, label, typeName, type }) => [name, label, typeName, type])).toEqual([
        ['id', 'id', 'int4', 4], ['name', 'name', 'text', 12], ['big', 'big', 'int8', -5], ['price', 'price', 'numeric', 2],
        ['active', 'active', 'bool', -7], ['at', 'at', 'timestamptz', 93], ['doc', 'doc', 'jsonb', 1111], ['tags', 'tags', '_text', 2003],
        ['mood', 'mood', 'mood', 12], ['blob', 'blob', 'bytea', -2], ['ratio', 'ratio', 'float8', 8], ['day', 'day', 'date', 91], ['uid', 'uid', 'uuid', 1111],
      ]);
      expect((await execute(READER, 'SELECT 1 AS one')).columnMetadata).toBeUndefined();
    });

    it('returns typed arrays, and honours resultSetOptions', async () => {
      const output = await execute(READER, "SELECT ARRAY[1, NULL, 3] AS ints, ARRAY[0.5, 2] AS nums, ARRAY[true, false] AS flags, '{1.5,2.5}'::float8[] AS doubles, 7::int8 AS big, 2.50 AS dec", {
        resultSetOptions: { longReturnType: 'STRING', decimalReturnType: 'DOUBLE_OR_LONG' },
      });
      expect(output.records).toEqual([[
        { arrayValue: { stringValues: ['1', null, '3'] } }, { arrayValue: { doubleValues: [0.5, 2] } }, { arrayValue: { booleanValues: [true, false] } },
        { arrayValue: { doubleValues: [1.5, 2.5] } }, { stringValue: '7' }, { doubleValue: 2.5 },
      ]]);
      expect((await execute(READER, 'SELECT ARRAY[1, 2] AS ints')).records).toEqual([[{ arrayValue: { longValues: [1, 2] } }]]);
    });

    it('counts affected rows, and returns the rows of INSERT ... RETURNING', async () => {
      expect((await execute(WRITER, 'INSERT INTO items (id, name) SELECT g, :name FROM generate_series(20, 22) g', { parameters: [{ name: 'name', value: { stringValue: 'bulk' } }] })).numberOfRecordsUpdated).toBe(3);
      const returning = await execute(WRITER, "INSERT INTO items (id, name) VALUES (23, 'r') RETURNING id, name");
      expect(returning).toMatchObject({ numberOfRecordsUpdated: 1, records: [[{ longValue: 23 }, { stringValue: 'r' }]] });
      expect(await execute(OWNER, "UPDATE items SET name = 'bulk!' WHERE name = 'bulk'")).toMatchObject({ numberOfRecordsUpdated: 3 });
      expect((await execute(OWNER, 'DELETE FROM items WHERE id >= 20')).numberOfRecordsUpdated).toBe(4);
      expect((await execute(OWNER, 'SELECT 1 AS one')).numberOfRecordsUpdated).toBe(0);
    });

    it('refuses results the service cannot return', async () => {
      await expectFailure(execute(READER, "SELECT repeat('x', 1100000) AS big"), BadRequestException, 'Database returned more than the allowed response size limit');
      expect((await execute(READER, "SELECT length(repeat('x', 1100000)) AS n")).records).toEqual([[{ longValue: 1100000 }]]);
      await expect(execute(READER, "SELECT 'int4'::regtype AS t")).rejects.toThrow(UnsupportedResultException);
      await expect(execute(READER, 'SELECT ARRAY[[1, 2], [3, 4]] AS grid')).rejects.toThrow(UnsupportedResultException);
    });
  });

  describe('errors', () => {
    it('reports a statement the database refuses as DatabaseErrorException with its SQLSTATE', async () => {
      const refused = execute(READER, 'SELECT * FROM nope');
      await expect(refused).rejects.toThrow(DatabaseErrorException);
      await expect(refused).rejects.toMatchObject({ message: 'ERROR: relation "nope" does not exist; Position: 15; SQLState: 42P01', $metadata: { httpStatusCode: 400 } });
    });

    it('runs as the secret\'s role: the reader is read-only and cannot write, the writer cannot delete', async () => {
      const before = await count('true');
      await expect(execute(READER, "INSERT INTO items (id, name) VALUES (30, 'no')")).rejects.toThrow('ERROR: cannot execute INSERT in a read-only transaction; SQLState: 25006');
      await expect(execute(WRITER, 'DELETE FROM items WHERE id = 1')).rejects.toThrow('ERROR: permission denied for table items; SQLState: 42501');
      expect(await count('true')).toBe(before);
      expect(await json(READER, "SELECT current_user AS who, current_setting('transaction_read_only') AS ro")).toEqual([{ who: 'reader_user', ro: 'on' }]);
      expect(await json(WRITER, "SELECT current_user AS who, current_setting('transaction_read_only') AS ro")).toEqual([{ who: 'writer_user', ro: 'off' }]);
      expect((await db.query('SELECT current_user AS who')).rows).toEqual([{ who: 'postgres' }]);
    });

    it('refuses unknown secrets, clusters and databases with the modelled errors', async () => {
      await expect(execute('arn:aws:secretsmanager:us-east-1:000000000000:secret:nope', 'SELECT 1')).rejects.toThrow(SecretsErrorException);
      const otherCluster = client.send(new ExecuteStatementCommand({ resourceArn: `${CLUSTER}-2`, secretArn: READER, sql: 'SELECT 1' }));
      await expect(otherCluster).rejects.toThrow(HttpEndpointNotEnabledException);
      await expectFailure(execute(READER, 'SELECT 1', { database: 'other' }), DatabaseErrorException, 'FATAL: database "other" does not exist; SQLState: 3D000');
      await expect(client.send(new BatchExecuteStatementCommand({ resourceArn: CLUSTER, secretArn: WRITER, sql: 'SELECT 1' }))).rejects.toThrow(BadRequestException);
    });

    it('refuses unsigned requests with ForbiddenException and unknown paths with 404', async () => {
      const unsigned = new RDSDataClient({ region: 'us-east-1', endpoint: endpoint.endpoint, credentials, maxAttempts: 1 });
      unsigned.middlewareStack.add((next) => (args) => {
        delete (args.request as { headers: Record<string, string> }).headers.authorization;
        return next(args);
      }, { step: 'deserialize' });
      await expect(unsigned.send(new ExecuteStatementCommand({ resourceArn: CLUSTER, secretArn: READER, sql: 'SELECT 1' }))).rejects.toMatchObject({ name: 'ForbiddenException', $metadata: { httpStatusCode: 403 } });
      await expect(unsigned.send(new ExecuteStatementCommand({ resourceArn: CLUSTER, secretArn: READER, sql: 'SELECT 1' }))).rejects.toThrow(ForbiddenException);
      unsigned.destroy();
      const response = await fetch(`${endpoint.endpoint}/Nope`, { method: 'POST', body: '{}', headers: { authorization: 'AWS4-HMAC-SHA256 x' } });
      expect(response.status).toBe(404);
      expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    });

    it('answers DatabaseResumingException while the cluster resumes, then runs the statement', async () => {
      const seen = endpoint.requests.length;
      endpoint.resumeFor(2);
      for (let attempt = 0; attempt < 2; attempt++) {
        const resuming = execute(READER, 'SELECT 1 AS one');
        await expect(resuming).rejects.toThrow(DatabaseResumingException);
        await expect(resuming).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
      }
      expect((await execute(READER, 'SELECT 1 AS one')).records).toEqual([[{ longValue: 1 }]]);
      expect(endpoint.requests.slice(seen).map((request) => request.operation)).toEqual(['ExecuteStatement', 'ExecuteStatement', 'ExecuteStatement']);
    });
  });

  describe('transactions', () => {
    const insert = (id: number, transactionId?: string) => execute(WRITER, 'INSERT INTO items (id, name) VALUES (:id, :name)', { transactionId, parameters: [{ name: 'id', value: { longValue: id } }, { name: 'name', value: { stringValue: 'tx' } }] });

    it('commits what a transaction did and rolls back what another did', async () => {
      const kept = await begin(WRITER);
      await insert(40, kept);
      expect((await execute(WRITER, 'SELECT name FROM items WHERE id = 40', { transactionId: kept })).records).toEqual([[{ stringValue: 'tx' }]]);
      expect(await commit(kept)).toMatchObject({ transactionStatus: 'Transaction Committed' });
      expect(await count('id = 40')).toBe(1);

      const discarded = await begin(WRITER);
      await insert(41, discarded);
      expect(await rollback(discarded)).toMatchObject({ transactionStatus: 'Rollback Complete' });
      expect(await count('id = 41')).toBe(0);
      await expectFailure(commit(discarded), BadRequestException, `Transaction ${discarded} is not found`);
      await expect(commit('no-such-transaction')).rejects.toThrow('Transaction no-such-transaction is not found');
    });

    it('makes other requests wait while a transaction is open', async () => {
      const transactionId = await begin(WRITER);
      let answered = false;
      const outside = json(READER, 'SELECT count(*)::int AS n FROM items WHERE id = 42').then((rows) => ((answered = true), rows));
      await insert(42, transactionId);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(answered).toBe(false);
      await commit(transactionId);
      expect(await outside).toEqual([{ n: 1 }]);
    });

    it('refuses a second request while the transaction runs one, and ends a transaction whose statement failed', async () => {
      const transactionId = await begin(WRITER);
      const outcomes = await Promise.allSettled([
        execute(WRITER, 'SELECT count(*)::int AS n FROM generate_series(1, 200000)', { transactionId }),
        execute(WRITER, 'SELECT 1 AS one', { transactionId }),
      ]);
      expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refusal = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
      expect(refusal.reason).toBeInstanceOf(DatabaseErrorException);
      expect(refusal.reason).toMatchObject({ message: 'Transaction is still running a query' });

      await insert(43, transactionId);
      await expect(execute(WRITER, 'SELECT * FROM nope', { transactionId })).rejects.toThrow(DatabaseErrorException);
      await expect(commit(transactionId)).rejects.toThrow(`Transaction ${transactionId} is not found`);
      expect(await count('id = 43')).toBe(0);
    });

    it('rolls back a transaction left idle past the timeout, and stop() rolls back open ones', async () => {
      const quick = await startDataApiTestEndpoint({ db, secrets: { [WRITER]: { user: 'writer_user' } }, transactionTimeoutMs: 100 });
      const quickClient = new RDSDataClient({ region: 'us-east-1', endpoint: quick.endpoint, credentials, maxAttempts: 1 });
      const send = (sql: string, transactionId: string) => quickClient.send(new ExecuteStatementCommand({ resourceArn: CLUSTER, secretArn: WRITER, sql, transactionId }));
      const idle = (await quickClient.send(new BeginTransactionCommand({ resourceArn: CLUSTER, secretArn: WRITER }))).transactionId!;
      await send("INSERT INTO items (id, name) VALUES (44, 'idle')", idle);
      await new Promise((resolve) => setTimeout(resolve, 250));
      await expect(quickClient.send(new CommitTransactionCommand({ resourceArn: CLUSTER, secretArn: WRITER, transactionId: idle }))).rejects.toThrow(`Transaction ${idle} is not found`);
      expect(await count('id = 44')).toBe(0);

      const open = (await quickClient.send(new BeginTransactionCommand({ resourceArn: CLUSTER, secretArn: WRITER }))).transactionId!;
      await send("INSERT INTO items (id, name) VALUES (45, 'open')", open);
      quickClient.destroy();
      await quick.stop();
      expect(await count('id = 45')).toBe(0);
    });
  });
});
