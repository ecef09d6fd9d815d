import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { startDataApiTestEndpoint, startSecretsManagerTestEndpoint, type DataApiTestEndpoint, type SecretsManagerTestEndpoint } from '@gmcp/local-aws';
import { DatabaseEnvError } from '../src/errors';
import { createMigrationHandler, LoginSetupError, type MigrationResult } from '../src/deploy/migration-handler';
import { MIGRATIONS } from '../src/schema/migrations';
import { DATABASE_ROLES } from '../src/schema/roles';

const CLUSTER = 'arn:aws:rds:us-east-1:000000000000:cluster:gmcp-ops';
const ADMIN_SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:gmcp/ops-admin-AbCdEf';
const READER_SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:gmcp/ops-reader-GhIjKl';
const WRITER_SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:gmcp/ops-writer-MnOpQr';
const READER_PASSWORD = 'ReaderPassword0123456789abcdef';
const WRITER_PASSWORD = 'WriterPassword0123456789ABCDEF';
const ALL_VERSIONS = MIGRATIONS.map((migration) => migration.version).sort((a, b) => a - b);

const secret = (username: string, password: string) => JSON.stringify({ username, password, engine: 'postgres', port: 5432 });

/**
 * A cluster as a deployment finds it: PGlite behind the Data API endpoint, where the admin
 * secret logs in as PGlite's own superuser (`postgres`) and each server's secret as the
 * login its secret names (the endpoint maps secrets to users up front; a login need only
 * exist by the time a statement runs as it), plus Secrets Manager holding the servers' secrets.
 */
interface Deployment {
  readonly db: PGlite;
  readonly dataApi: DataApiTestEndpoint;
  readonly secrets: SecretsManagerTestEndpoint;
  readonly env: Record<string, string>;
  run(): Promise<MigrationResult>;
  stop(): Promise<void>;
}

async function startDeployment(reader: string, writer: string, users: { reader: string; writer: string } = { reader: 'ops_reader', writer: 'ops_writer' }): Promise<Deployment> {
  const db = new PGlite();
  const dataApi: DataApiTestEndpoint = await startDataApiTestEndpoint({
    db,
    resourceArn: CLUSTER,
    secrets: { [ADMIN_SECRET]: { user: 'postgres' }, [READER_SECRET]: { user: users.reader }, [WRITER_SECRET]: { user: users.writer } },
  });
  const secrets = await startSecretsManagerTestEndpoint({ secrets: { [READER_SECRET]: reader, [WRITER_SECRET]: writer } });
  const env = {
    DATA_API_RESOURCE_ARN: CLUSTER,
    ADMIN_SECRET_ARN: ADMIN_SECRET,
    READER_SECRET_ARN: READER_SECRET,
    WRITER_SECRET_ARN: WRITER_SECRET,
    AWS_REGION: 'us-east-1',
    RDS_DATA_ENDPOINT: dataApi.endpoint,
    SECRETS_MANAGER_ENDPOINT: secrets.endpoint,
  };
  return {
    db,
    dataApi,
    secrets,
    env,
    run: () => createMigrationHandler(env)(),
    stop: async () => {
      await secrets.stop();
      await dataApi.stop();
      await db.close();
    },
  };
}

const rows = async <T>(db: PGlite, sql: string, params: unknown[] = []) => (await db.query<T>(sql, params)).rows;
const roleExists = async (db: PGlite, name: string) => (await rows(db, 'SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).length === 1;
const schemaExists = async (db: PGlite) => (await rows<{ t: string | null }>(db, "SELECT to_regclass('schema_migrations')::text AS t"))[0]?.t !== null;
const storedPassword = async (db: PGlite, name: string) => (await rows<{ p: string | null }>(db, 'SELECT rolpassword AS p FROM pg_authid WHERE rolname = $1', [name]))[0]?.p;
const memberships = async (db: PGlite, name: string) =>
  (await rows<{ g: string }>(db, 'SELECT g.rolname AS g FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member JOIN pg_roles g ON g.oid = m.roleid WHERE r.rolname = $1 ORDER BY 1', [name])).map((row) => row.g);
const settings = async (db: PGlite, name: string) =>
  (await rows<{ s: string[] }>(db, 'SELECT s.setconfig AS s FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = $1', [name]))[0]?.s ?? [];

/** Whether a stored SCRAM-SHA-256 verifier (`SCRAM-SHA-256$<i>:<salt>$<StoredKey>:<ServerKey>`) is that of `password`. */
function scramMatches(verifier: string | null | undefined, password: string): boolean {
  const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier ?? '');
  if (!match) return false;
  const [, iterations, salt, storedKey] = match;
  const salted = pbkdf2Sync(password, Buffer.from(salt!, 'base64'), Number(iterations), 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  return createHash('sha256').update(clientKey).digest('base64') === storedKey;
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof Error)) throw new Error('expected the handler to refuse');
  return error;
}

describe('migration handler', () => {
  let deployment: Deployment;
  let first: MigrationResult;
  let second: MigrationResult;

  beforeAll(async () => {
    deployment = await startDeployment(secret('ops_reader', READER_PASSWORD), secret('ops_writer', WRITER_PASSWORD));
    first = await deployment.run();
    second = await deployment.run();
  }, 60_000);
  afterAll(() => deployment.stop());

  it('applies the migrations as the admin, and nothing on a second run', async () => {
    expect(first.migrations).toEqual({ applied: ALL_VERSIONS, alreadyApplied: [] });
    expect(second.migrations).toEqual({ applied: [], alreadyApplied: ALL_VERSIONS });
    expect(await rows(deployment.db, 'SELECT version FROM schema_migrations ORDER BY version')).toEqual(ALL_VERSIONS.map((version) => ({ version })));
    expect(await rows(deployment.db, "SELECT tableowner FROM pg_tables WHERE tablename = 'tickets'")).toEqual([{ tableowner: 'postgres' }]);
  });

  it('reports the logins, never their passwords', () => {
    const logins = [{ role: 'reader', user: 'ops_reader' }, { role: 'writer', user: 'ops_writer' }];
    expect(first.logins).toEqual(logins);
    expect(second.logins).toEqual(logins);
    expect(JSON.stringify([first, second])).not.toMatch(/Password0123/);
  });

  it('creates each login as a member of its group role only, the reader with read-only sessions', async () => {
    expect(await memberships(deployment.db, 'ops_reader')).toEqual([DATABASE_ROLES.reader]);
    expect(await memberships(deployment.db, 'ops_writer')).toEqual([DATABASE_ROLES.writer]);
    expect(await settings(deployment.db, 'ops_reader')).toEqual(expect.arrayContaining(['default_transaction_read_only=on', 'TimeZone=UTC']));
    expect(await settings(deployment.db, 'ops_writer')).not.toContain('default_transaction_read_only=on');
    expect(await rows(deployment.db, "SELECT rolcanlogin FROM pg_roles WHERE rolname IN ('ops_reader', 'ops_writer')")).toEqual([{ rolcanlogin: true }, { rolcanlogin: true }]);
  });

  it("sets each login's password from its own secret", async () => {
    expect(scramMatches(await storedPassword(deployment.db, 'ops_reader'), READER_PASSWORD)).toBe(true);
    expect(scramMatches(await storedPassword(deployment.db, 'ops_writer'), WRITER_PASSWORD)).toBe(true);
    expect(scramMatches(await storedPassword(deployment.db, 'ops_writer'), READER_PASSWORD)).toBe(false);
  });

  it("proves each server's secret logs in as its login, the reader's read-only", () => {
    const statementsAs = (secretArn: string) => deployment.dataApi.requests.filter((request) => request.secretArn === secretArn).map((request) => request.sql ?? '');
    expect(statementsAs(READER_SECRET)).toEqual(expect.arrayContaining(['SELECT current_user AS login', expect.stringMatching(/transaction_read_only/)]));
    expect(statementsAs(WRITER_SECRET)).toContain('SELECT current_user AS login');
    expect(statementsAs(ADMIN_SECRET)).toEqual(expect.arrayContaining([expect.stringMatching(/^ALTER ROLE ops_reader PASSWORD 'SCRAM-SHA-256\$4096:/)]));
    // Only the verifier travels: the password is in no statement sent to the database.
    expect(statementsAs(ADMIN_SECRET).join('\n')).not.toMatch(new RegExp(`${READER_PASSWORD}|${WRITER_PASSWORD}`));
  });

  it('refuses a password that is not letters and digits, and changes nothing', async () => {
    const before = await storedPassword(deployment.db, 'ops_reader');
    deployment.secrets.put(READER_SECRET, secret('ops_reader', "abcdefghijklmnopqrstuvwxyz'; DROP TABLE tickets; --"));
    try {
      const error = await refusal(deployment.run());
      expect(error).toBeInstanceOf(LoginSetupError);
      expect(error.message).toMatch(/reader's secret .* refused: password must be 24 to 128 letters and digits/);
      expect(error.message).not.toMatch(/DROP/);
      expect(await storedPassword(deployment.db, 'ops_reader')).toBe(before);
    } finally {
      deployment.secrets.put(READER_SECRET, secret('ops_reader', READER_PASSWORD));
    }
  });
});

describe('migration handler refusals', () => {
  const good = (user: string, password = READER_PASSWORD) => secret(user, password);

  /** Runs the handler against a fresh cluster and checks it changed nothing at all. */
  async function expectRefusedUnchanged(reader: string, writer: string, message: RegExp, users?: { reader: string; writer: string }): Promise<void> {
    const deployment = await startDeployment(reader, writer, users);
    try {
      const error = await refusal(deployment.run());
      expect(error.message).toMatch(message);
      expect(await schemaExists(deployment.db)).toBe(false);
      expect(await rows(deployment.db, "SELECT rolname FROM pg_roles WHERE rolname !~ '^pg_' AND rolname <> 'postgres'")).toEqual([]);
    } finally {
      await deployment.stop();
    }
  }

  it('refuses a username outside the login-name rule', () =>
    expectRefusedUnchanged(good('Ops-Reader; DROP ROLE postgres'), good('ops_writer', WRITER_PASSWORD), /reader's secret .* refused: username must be a PostgreSQL login name/));

  it('refuses a password with a quote', () =>
    expectRefusedUnchanged(good('ops_reader'), good('ops_writer', "WriterPassword0123456789'--"), /writer's secret .* refused: password must be/));

  it('refuses a secret that is not JSON without quoting it', async () => {
    const deployment = await startDeployment('hunter2hunter2', good('ops_writer', WRITER_PASSWORD));
    try {
      const error = await refusal(deployment.run());
      expect(error.message).toMatch(/reader's secret .* is not JSON/);
      expect(error.message).not.toMatch(/hunter2/);
    } finally {
      await deployment.stop();
    }
  });

  it('refuses a secret without a password', () =>
    expectRefusedUnchanged(good('ops_reader'), JSON.stringify({ username: 'ops_writer' }), /writer's secret .* refused: password must be a string/));

  it('refuses one username for both the reader and the writer', () =>
    expectRefusedUnchanged(good('ops_shared'), good('ops_shared', WRITER_PASSWORD), /both name the login "ops_shared"/, { reader: 'ops_shared', writer: 'ops_shared' }));

  it("refuses the admin's own login as a server's", () =>
    expectRefusedUnchanged(good('ops_reader'), good('postgres', WRITER_PASSWORD), /writer's secret names "postgres", the admin login/, { reader: 'ops_reader', writer: 'postgres' }));

  it("refuses a login that already belongs to the other server's group", async () => {
    const deployment = await startDeployment(good('ops_reader'), good('ops_writer', WRITER_PASSWORD));
    try {
      await deployment.run();
      // The secrets swapped: the reader's now names the writer's login.
      deployment.secrets.put(READER_SECRET, good('ops_writer'));
      deployment.secrets.put(WRITER_SECRET, good('ops_writer2', WRITER_PASSWORD));
      const error = await refusal(deployment.run());
      expect(error.message).toMatch(/reader's secret names "ops_writer", a login that is also a member of gmcp_ops_write/);
      expect(await memberships(deployment.db, 'ops_writer')).toEqual([DATABASE_ROLES.writer]);
      expect(await roleExists(deployment.db, 'ops_writer2')).toBe(false);
    } finally {
      await deployment.stop();
    }
  });

  it('fails when a secret does not log in as the login it names', async () => {
    const deployment = await startDeployment(good('ops_reader'), good('ops_writer', WRITER_PASSWORD), { reader: 'ops_reader', writer: 'ops_reader' });
    try {
      const error = await refusal(deployment.run());
      expect(error.message).toBe(`The writer's secret logs in as "ops_reader", not "ops_writer"`);
    } finally {
      await deployment.stop();
    }
  });

  it('refuses one secret for two logins, by configuration', async () => {
    const handler = createMigrationHandler({
      DATA_API_RESOURCE_ARN: CLUSTER,
      ADMIN_SECRET_ARN: ADMIN_SECRET,
      READER_SECRET_ARN: READER_SECRET,
      WRITER_SECRET_ARN: READER_SECRET,
      AWS_REGION: 'us-east-1',
    });
    const error = await refusal(handler());
    expect(error).toBeInstanceOf(DatabaseEnvError);
    expect((error as DatabaseEnvError).variables).toEqual(['WRITER_SECRET_ARN']);
  });
});
