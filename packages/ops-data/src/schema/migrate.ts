import { createHash } from 'node:crypto';
import { z } from 'zod';
import { integerColumn, selectRows } from '../sql/codecs';
import type { SqlExecutor } from '../sql/sql-executor';
import { MIGRATIONS, type Migration } from './migrations';

const AppliedMigration = z.object({ version: integerColumn, checksum: z.string() });

export interface MigrationReport {
  readonly applied: readonly number[];
  readonly alreadyApplied: readonly number[];
}

/** A migration that was applied differs from the code now; the schema's history is in doubt. */
export class MigrationDriftError extends Error {
  constructor(readonly version: number) {
    super(`Migration ${version} was applied with different statements than the code now has; add a new migration instead of editing one`);
    this.name = 'MigrationDriftError';
  }
}

export function migrationChecksum(migration: Migration): string {
  return createHash('sha256').update(JSON.stringify([migration.version, migration.statements])).digest('hex');
}

/**
 * Brings the schema up to date, each pending migration in its own transaction together
 * with its row in `schema_migrations`. Runs as the schema owner (the admin secret on
 * Aurora, the superuser locally), never as a server's role. Safe to run again.
 */
export async function migrate(executor: SqlExecutor, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationReport> {
  await executor.query({
    sql: `CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
  });
  const applied = new Map(
    (await selectRows(executor, AppliedMigration, { sql: 'SELECT version, checksum FROM schema_migrations' })).map((row) => [row.version, row.checksum]),
  );
  const report = { applied: [] as number[], alreadyApplied: [] as number[] };
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    const checksum = migrationChecksum(migration);
    const existing = applied.get(migration.version);
    if (existing !== undefined && existing !== checksum) throw new MigrationDriftError(migration.version);
    if (existing !== undefined) {
      report.alreadyApplied.push(migration.version);
      continue;
    }
    await executor.transaction(async (session) => {
      for (const sql of migration.statements) await session.query({ sql });
      await session.query({
        sql: 'INSERT INTO schema_migrations (version, name, checksum) VALUES (:version, :name, :checksum)',
        params: { version: migration.version, name: migration.name, checksum },
      });
    });
    report.applied.push(migration.version);
  }
  return report;
}
