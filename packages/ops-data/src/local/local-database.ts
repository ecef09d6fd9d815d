import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { migrate } from '../schema/migrate';
import { DATABASE_ROLES, type DatabaseRoleName } from '../schema/roles';
import { isSeeded, seedDatabase } from '../seed/seed-database';
import { createPgliteExecutor } from '../sql/pglite-executor';
import type { SqlExecutor } from '../sql/sql-executor';

export interface LocalDatabaseOptions {
  /** Folder that persists the database; in memory when unset. */
  dataDir?: string;
  /** Load the seed data into an empty database. Default true. */
  seed?: boolean;
  /** The moment the seed data is placed relative to. Default: now. */
  seedNow?: Date;
}

/** The embedded PostgreSQL of local mode, migrated and seeded, shared by the servers of one process. */
export interface LocalOpsDatabase {
  readonly db: PGlite;
  /** An executor acting as `role`, as that server's own login would on Aurora. */
  executorFor(role: DatabaseRoleName): SqlExecutor;
  /** Closes the database once every server that opened it has released it. */
  release(): Promise<void>;
}

interface Shared {
  ready: Promise<PGlite>;
  users: number;
}

// PGlite allows one instance per folder; the reader and the writer of one `npm start` share it.
const openByFolder = new Map<string, Shared>();

export async function openLocalOpsDatabase(options: LocalDatabaseOptions = {}): Promise<LocalOpsDatabase> {
  const key = options.dataDir ? resolve(options.dataDir) : undefined;
  // Counted before any await, so that a release meanwhile cannot close it under this caller.
  const shared = (key && openByFolder.get(key)) || { ready: openAndPrepare(key, options), users: 0 };
  shared.users += 1;
  if (key) openByFolder.set(key, shared);
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    shared.users -= 1;
    if (shared.users > 0) return;
    if (key && openByFolder.get(key) === shared) openByFolder.delete(key);
    await (await shared.ready.catch(() => undefined))?.close();
  };
  let db: PGlite;
  try {
    db = await shared.ready;
  } catch (error) {
    await release();
    throw error;
  }
  return {
    db,
    executorFor: (role) => createPgliteExecutor(db, { role: DATABASE_ROLES[role], readOnly: role === 'reader' }),
    release,
  };
}

async function openAndPrepare(dataDir: string | undefined, options: LocalDatabaseOptions): Promise<PGlite> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const db = new PGlite(dataDir);
  try {
    const owner = createPgliteExecutor(db);
    await migrate(owner);
    if ((options.seed ?? true) && !(await isSeeded(owner))) await seedDatabase(owner, { now: options.seedNow ?? new Date() });
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  return db;
}
