import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { createRdsDataClient, createSecretsManagerClient } from '../support/aws-clients';
import { parseDatabaseEnv } from '../support/parse-env';
import { OpsDatabaseEnvShape } from '../config/database-env';
import { selectRows } from '../sql/codecs';
import { createDataApiExecutor, DEFAULT_RESUME_RETRY } from '../sql/data-api-executor';
import type { SqlExecutor, SqlSession } from '../sql/sql-executor';
import { assertReadOnlyLogin, createLogin, loginStatements } from '../schema/logins';
import { migrate, type MigrationReport } from '../schema/migrate';
import { DATABASE_ROLES, type DatabaseRoleName } from '../schema/roles';
import { scramVerifier } from './scram';

const secretArn = OpsDatabaseEnvShape.DATA_API_SECRET_ARN.unwrap();
const endpointUrl = OpsDatabaseEnvShape.RDS_DATA_ENDPOINT;

const MigrationEnv = z
  .object({
    DATA_API_RESOURCE_ARN: OpsDatabaseEnvShape.DATA_API_RESOURCE_ARN.unwrap(),
    /** The cluster's admin (schema owner) secret: migrations and logins are created with it. */
    ADMIN_SECRET_ARN: secretArn,
    READER_SECRET_ARN: secretArn,
    WRITER_SECRET_ARN: secretArn,
    DATA_API_DATABASE: OpsDatabaseEnvShape.DATA_API_DATABASE,
    AWS_REGION: z.string().min(1),
    RDS_DATA_ENDPOINT: endpointUrl,
    SECRETS_MANAGER_ENDPOINT: endpointUrl,
  })
  .superRefine((env, ctx) => {
    const seen = new Map<string, string>();
    for (const name of ['ADMIN_SECRET_ARN', 'READER_SECRET_ARN', 'WRITER_SECRET_ARN'] as const) {
      const other = seen.get(env[name]);
      if (other) ctx.addIssue({ code: 'custom', path: [name], message: `is the same secret as ${other}; each login has its own secret` });
      seen.set(env[name], name);
    }
  });
type MigrationEnv = z.output<typeof MigrationEnv>;

/** `loginStatements` is the one authority on login names; PostgreSQL reserves `pg_`. */
function isLoginName(name: string): boolean {
  try {
    loginStatements('reader', name);
    return !name.startsWith('pg_');
  } catch {
    return false;
  }
}

/**
 * A server's secret as RDS and Secrets Manager write it (other keys, such as host and
 * engine, are ignored). Both values are spliced into SQL (a role name and a password
 * cannot be parameters), so anything outside these alphabets is refused, never escaped.
 */
const LoginSecret = z.object({
  username: z.string().refine(isLoginName, 'username must be a PostgreSQL login name: lower-case letters, digits and _, at most 63, not pg_*'),
  password: z.string().regex(/^[A-Za-z0-9]{24,128}$/, 'password must be 24 to 128 letters and digits (generate it with ExcludePunctuation)'),
});

interface Login {
  readonly role: DatabaseRoleName;
  readonly secretArn: string;
  readonly user: string;
  readonly password: string;
}

export interface MigrationResult {
  readonly migrations: MigrationReport;
  /** The logins set up; never their passwords. */
  readonly logins: readonly { readonly role: DatabaseRoleName; readonly user: string }[];
}

/** A server's secret or login cannot be set up safely; nothing was changed for it. */
export class LoginSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoginSetupError';
  }
}

/** Migrations may take a while; the Data API itself answers within 45 s. */
const STATEMENT_TIMEOUT_MS = 60_000;
/** A deployment may find the cluster auto-paused; it resumes within ~15 s, give it more. */
const DEPLOY_RESUME_RETRY = { ...DEFAULT_RESUME_RETRY, budgetMs: 60_000 };

/**
 * The deployment's database step, as a Lambda handler (its event is ignored): brings the
 * schema up to date as the schema owner (the cluster's admin secret), then creates or
 * completes each server's own login from that server's own secret and sets its password,
 * and proves each secret logs in as its login. The servers never hold the admin secret,
 * and the reader and the writer never share a login. Both secrets are read and checked
 * before anything changes; running it again applies nothing new and succeeds.
 */
export function createMigrationHandler(env: Record<string, string | undefined> = process.env) {
  return async (): Promise<MigrationResult> => {
    const config = parseDatabaseEnv(MigrationEnv, env);
    const logins = await readLogins(config);
    const rds = createRdsDataClient({ region: config.AWS_REGION, endpoint: config.RDS_DATA_ENDPOINT }, STATEMENT_TIMEOUT_MS);
    const executorAs = (secret: string) =>
      // maxAttempts 1: the SDK's retries would re-send a statement that may have run (see data-api-executor.ts).
      createDataApiExecutor({ client: rds, resourceArn: config.DATA_API_RESOURCE_ARN, secretArn: secret, database: config.DATA_API_DATABASE, retry: DEPLOY_RESUME_RETRY });
    // The executors share the client and are not closed one by one: closing one destroys it.
    try {
      const admin = executorAs(config.ADMIN_SECRET_ARN);
      for (const login of logins) await assertPlainLogin(admin, login);
      const migrations = await migrate(admin);
      await admin.transaction(async (session) => {
        for (const login of logins) await setUpLogin(session, login);
      });
      for (const login of logins) await verifyLogin(executorAs(login.secretArn), login);
      return { migrations, logins: logins.map(({ role, user }) => ({ role, user })) };
    } finally {
      rds.destroy();
    }
  };
}

/** Reads and checks both servers' secrets; refuses a login shared by the reader and the writer. */
async function readLogins(config: MigrationEnv): Promise<Login[]> {
  const client = createSecretsManagerClient({ region: config.AWS_REGION, endpoint: config.SECRETS_MANAGER_ENDPOINT });
  try {
    const reader = await readLogin(client, 'reader', config.READER_SECRET_ARN);
    const writer = await readLogin(client, 'writer', config.WRITER_SECRET_ARN);
    if (reader.user === writer.user) {
      throw new LoginSetupError(`The reader's and the writer's secrets both name the login "${reader.user}"; each server needs its own login`);
    }
    return [reader, writer];
  } finally {
    client.destroy();
  }
}

async function readLogin(client: SecretsManagerClient, role: DatabaseRoleName, arn: string): Promise<Login> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  const what = `The ${role}'s secret ${arn}`;
  if (SecretString === undefined) throw new LoginSetupError(`${what} has no SecretString`);
  // Neither the secret's text nor the parser's message (which quotes it) goes into the error.
  let json: unknown;
  try {
    json = JSON.parse(SecretString);
  } catch {
    throw new LoginSetupError(`${what} is not JSON {"username": ..., "password": ...}`);
  }
  const parsed = LoginSecret.safeParse(json);
  if (!parsed.success) {
    throw new LoginSetupError(`${what} is refused: ${parsed.error.issues.map(describeIssue).join('; ')}`);
  }
  return { role, secretArn: arn, user: parsed.data.username, password: parsed.data.password };
}

/** An issue in words that never quote the secret's values. */
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'invalid_type') return issue.message;
  return issue.path.length ? `${issue.path.join('.')} must be a string` : 'it must be a JSON object {"username": ..., "password": ...}';
}

const ExistingRole = z.object({ is_admin: z.boolean(), privileged: z.boolean(), can_login: z.boolean(), other_roles: z.string().nullable() });

/**
 * Refuses to turn an existing role that is not a plain server login into one: the admin
 * itself, a privileged role, a group role, or a login that is a member of any other role
 * (such as the other server's group, after the secrets were swapped). Setting up such a
 * role would hand it a server's password, or a server its powers.
 */
async function assertPlainLogin(admin: SqlSession, login: Login): Promise<void> {
  const [existing] = await selectRows(admin, ExistingRole, {
    sql: `SELECT r.rolname = current_user AS is_admin,
            (r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls) AS privileged,
            r.rolcanlogin AS can_login,
            (SELECT string_agg(g.rolname, ', ' ORDER BY g.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
              WHERE m.member = r.oid AND g.rolname <> :group) AS other_roles
          FROM pg_roles r WHERE r.rolname = :name`,
    params: { name: login.user, group: DATABASE_ROLES[login.role] },
  });
  if (!existing) return;
  const refuse = (why: string) => new LoginSetupError(`The ${login.role}'s secret names "${login.user}", ${why}; give the ${login.role} its own login`);
  if (existing.is_admin) throw refuse('the admin login');
  if (existing.privileged) throw refuse('a privileged role');
  if (!existing.can_login) throw refuse('an existing role that cannot log in');
  if (existing.other_roles) throw refuse(`a login that is also a member of ${existing.other_roles}`);
}

/** Creates or completes the login and sets its password from its secret, sent only as its SCRAM verifier. */
async function setUpLogin(admin: SqlSession, login: Login): Promise<void> {
  await createLogin(admin, login.role, login.user);
  await admin.query({ sql: `ALTER ROLE ${login.user} PASSWORD '${scramVerifier(login.password)}'` });
}

const CurrentLogin = z.object({ login: z.string() });

/** Proves the server's secret logs in as its login (on Aurora, with the password just set) and, for the reader, that it cannot write. */
async function verifyLogin(executor: SqlExecutor, login: Login): Promise<void> {
  const [current] = await selectRows(executor, CurrentLogin, { sql: 'SELECT current_user AS login' });
  if (current?.login !== login.user) throw new LoginSetupError(`The ${login.role}'s secret logs in as "${current?.login}", not "${login.user}"`);
  if (login.role === 'reader') await assertReadOnlyLogin(executor);
}
