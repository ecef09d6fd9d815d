import { randomBytes } from 'node:crypto';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { badRequest, DataApiError, isPostgresError } from './errors';

/**
 * Database sessions as the Data API opens them: every statement runs inside a PGlite
 * transaction that first takes on the secret's login (its own `ALTER ROLE ... SET`
 * settings, then `SET LOCAL ROLE`), with the time zone at UTC. PGlite has one connection
 * and `db.transaction()` holds its transaction mutex until the callback ends (and
 * `db.query()` waits on that mutex too), so while a Data API transaction is open every
 * other request, and any direct use of the database, waits for it: nothing interleaves.
 */

/**
 * Applies the role's settings (ALTER ROLE ... [IN DATABASE ...] SET) as a login would, those
 * for this database last so they win; settings that can only be set at server start are skipped.
 */
const ROLE_SETTINGS = `
  SELECT name, set_config(name, value, true) AS value
    FROM (SELECT split_part(entry, '=', 1) AS name, substr(entry, strpos(entry, '=') + 1) AS value
            FROM pg_catalog.pg_db_role_setting s
            JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
           CROSS JOIN LATERAL unnest(s.setconfig) WITH ORDINALITY AS u(entry, position)
           WHERE r.rolname = $1
             AND s.setdatabase IN (0, (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database()))
             AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_settings p
                              WHERE p.name = split_part(entry, '=', 1) AND p.context NOT IN ('user', 'superuser'))
           ORDER BY s.setdatabase, u.position) AS settings`;

export async function startSession(tx: Transaction, user: string): Promise<void> {
  await tx.exec(`SET LOCAL TIME ZONE 'UTC'`);
  const { rows } = await tx.query<{ name: string; value: string }>(ROLE_SETTINGS, [user]);
  // default_transaction_read_only applies to transactions started after it is set; a login
  // with it on starts read-only, so this one is made read-only now.
  if (rows.some((row) => row.name === 'default_transaction_read_only' && row.value === 'on')) {
    await tx.exec('SET LOCAL transaction_read_only = on');
  }
  await tx.exec(`SET LOCAL ROLE ${quoteIdentifier(user)}`);
}

/** Runs `work` as `user` in its own transaction, committed when it resolves. */
export function autocommit<T>(db: PGlite, user: string, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await startSession(tx, user);
    return work(tx);
  });
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

type Outcome = 'commit' | 'rollback';

const STATEMENT_LATENCY_MS = 2;

interface OpenTransaction {
  readonly id: string;
  readonly tx: Transaction;
  busy: boolean;
  timer?: NodeJS.Timeout;
  end(outcome: Outcome): Promise<void>;
}

/** Transactions begun with BeginTransaction, each holding the PGlite transaction open until it ends. */
export class TransactionRegistry {
  private readonly open = new Map<string, OpenTransaction>();
  private closed = false;

  constructor(
    private readonly db: PGlite,
    private readonly idleTimeoutMs: number,
  ) {}

  async begin(user: string): Promise<string> {
    const { tx, end } = await holdTransaction(this.db, (tx) => startSession(tx, user));
    if (this.closed) {
      await end('rollback');
      throw new DataApiError('InternalServerErrorException', 'The Data API test endpoint is stopping');
    }
    const open: OpenTransaction = { id: randomBytes(138).toString('base64'), tx, busy: false, end };
    this.open.set(open.id, open);
    this.arm(open);
    return open.id;
  }

  /**
   * Runs `work` in the transaction. As on Aurora, a second request while one is running is
   * refused, and a statement the database refuses ends the transaction (rolled back).
   */
  async run<T>(id: string, work: (tx: Transaction) => Promise<T>): Promise<T> {
    const open = this.take(id);
    try {
      // PGlite runs a statement without yielding to the event loop; a statement on Aurora
      // takes a round trip. Waiting a moment lets a request sent alongside this one find
      // the transaction busy, as it would on the service.
      await new Promise((resolve) => setTimeout(resolve, STATEMENT_LATENCY_MS));
      return await work(open.tx);
    } catch (error) {
      if (isPostgresError(error)) await this.finish(open, 'rollback').catch(() => undefined);
      throw error;
    } finally {
      open.busy = false;
      if (this.open.has(id)) this.arm(open);
    }
  }

  async end(id: string, outcome: Outcome): Promise<void> {
    const open = this.take(id);
    await this.finish(open, outcome);
  }

  /** Rolls back every open transaction; transactions begun from now on are rolled back at once. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.open.values()].map((open) => this.finish(open, 'rollback').catch(() => undefined)));
  }

  private take(id: string): OpenTransaction {
    const open = this.open.get(id);
    if (open === undefined) throw badRequest(`Transaction ${id} is not found`);
    if (open.busy) throw new DataApiError('DatabaseErrorException', 'Transaction is still running a query');
    open.busy = true;
    clearTimeout(open.timer);
    return open;
  }

  private finish(open: OpenTransaction, outcome: Outcome): Promise<void> {
    clearTimeout(open.timer);
    this.open.delete(open.id);
    return open.end(outcome);
  }

  /** Rolls the transaction back once it has been idle for the timeout (three minutes on Aurora). */
  private arm(open: OpenTransaction): void {
    clearTimeout(open.timer);
    open.timer = setTimeout(() => void this.finish(open, 'rollback').catch(() => undefined), this.idleTimeoutMs);
    open.timer.unref();
  }
}

/** Opens a PGlite transaction, runs `setup` in it, and keeps it open until `end` is called. */
async function holdTransaction(db: PGlite, setup: (tx: Transaction) => Promise<void>) {
  let decide!: (outcome: Outcome) => void;
  const decided = new Promise<Outcome>((resolve) => (decide = resolve));
  let started!: (tx: Transaction) => void;
  const ready = new Promise<Transaction>((resolve) => (started = resolve));
  const done = db
    .transaction(async (tx) => {
      await setup(tx);
      started(tx);
      if ((await decided) === 'rollback') await tx.rollback();
    })
    .then(
      () => ({ error: undefined }),
      (error: unknown) => ({ error: error ?? new Error('transaction failed') }),
    );
  const first = await Promise.race([ready, done]);
  if (!('query' in first)) throw first.error ?? new Error('The transaction ended before it began');
  const end = async (outcome: Outcome) => {
    decide(outcome);
    const { error } = await done;
    if (error !== undefined) throw error;
  };
  return { tx: first, end };
}
