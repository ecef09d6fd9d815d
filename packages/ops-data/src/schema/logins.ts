import { z } from 'zod';
import { selectRows } from '../sql/codecs';
import type { SqlSession } from '../sql/sql-executor';
import { textArrayParam } from '../sql/statement';
import { DATABASE_ROLES, type DatabaseRoleName } from './roles';

const OPERATIONAL_TABLES = ['tickets', 'ticket_comments', 'incidents', 'incident_timeline'];

/**
 * The statements that create a server's own login as a member of its group role. The
 * reader's login has read-only sessions, so that even a statement past every other check
 * cannot write. Run by the schema owner; the deployment then sets the password from the
 * server's Secrets Manager secret (a password cannot be a statement parameter).
 */
export function loginStatements(role: DatabaseRoleName, user: string): string[] {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(user)) throw new Error(`Not a login name: ${user}`);
  return [
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${user}') THEN CREATE ROLE ${user} LOGIN; END IF;
     END $$`,
    `GRANT ${DATABASE_ROLES[role]} TO ${user}`,
    `ALTER ROLE ${user} SET timezone = 'UTC'`,
    ...(role === 'reader' ? [`ALTER ROLE ${user} SET default_transaction_read_only = on`] : []),
  ];
}

/** Creates (or completes) a server's login; run as the schema owner. */
export async function createLogin(owner: SqlSession, role: DatabaseRoleName, user: string): Promise<void> {
  for (const sql of loginStatements(role, user)) await owner.query({ sql });
}

const LoginCheck = z.object({ login: z.string(), read_only: z.string(), writable: z.string().nullable() });

/** The reader's database login can write or its sessions are not read-only: the wrong secret, or a login set up wrongly. */
export class ReaderLoginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReaderLoginError';
  }
}

/**
 * Refuses to start a reader whose login could change anything: its sessions must be
 * read-only and it must hold no write privilege on any operational table. Catches the
 * writer's or the admin's secret configured by mistake.
 */
export async function assertReadOnlyLogin(session: SqlSession): Promise<void> {
  const [check] = await selectRows(session, LoginCheck, {
    sql: `SELECT current_user AS login, current_setting('transaction_read_only') AS read_only,
            string_agg(t || ':' || p, ', ') FILTER (WHERE has_table_privilege(t, p)) AS writable
          FROM unnest(:tables::text[]) AS t, unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS p`,
    params: { tables: textArrayParam(OPERATIONAL_TABLES) },
  });
  if (!check) throw new ReaderLoginError('The reader login check returned nothing');
  if (check.writable) throw new ReaderLoginError(`The reader's database login "${check.login}" can write (${check.writable}); configure the reader's own SELECT-only login`);
  if (check.read_only !== 'on') throw new ReaderLoginError(`The reader's database login "${check.login}" does not have read-only sessions (ALTER ROLE ... SET default_transaction_read_only = on)`);
}
