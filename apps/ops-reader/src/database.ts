import { assertReadOnlyLogin, createReadOnlyExecutor, openOpsDatabase, type OpsDatabase } from '@gmcp/ops-data';
import type { Logger } from '@gmcp/mcp-kit';
import type { OpsReaderEnv } from './config';

/**
 * The reader's executor, acting as the database's read-only role: on Aurora through the
 * reader's own secret, locally as the same role on the embedded database. Refuses to start
 * when that login could write (the writer's or the admin's secret configured by mistake,
 * or a login without read-only sessions), and refuses anything but reads before the database.
 */
export async function openReaderDatabase(env: OpsReaderEnv, logger: Logger): Promise<OpsDatabase> {
  const database = await openOpsDatabase(env, 'reader', logger);
  try {
    await assertReadOnlyLogin(database.executor);
  } catch (error) {
    await database.close();
    throw error;
  }
  return { executor: createReadOnlyExecutor(database.executor), close: () => database.close() };
}
