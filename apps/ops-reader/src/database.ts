import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { assertReadOnlyLogin, createDataApiExecutor, createReadOnlyExecutor, DEFAULT_RESUME_RETRY, openLocalOpsDatabase, type SqlExecutor } from '@gmcp/ops-data';
import { awsClientConfig, type Logger } from '@gmcp/mcp-kit';
import type { OpsReaderEnv } from './config';

const STATEMENT_TIMEOUT_MS = 15_000;

export interface ReaderDatabase {
  /** Refuses anything but a single SELECT before it reaches the database. */
  readonly executor: SqlExecutor;
  close(): Promise<void>;
}

/**
 * The reader's executor, acting as the database's read-only role: on Aurora through the
 * reader's own secret, locally as the same role on the embedded database. Refuses to start
 * when that login could write (the writer's or the admin's secret configured by mistake,
 * or a login without read-only sessions).
 */
export async function openReaderDatabase(env: OpsReaderEnv, logger: Logger): Promise<ReaderDatabase> {
  if (env.OPS_DATABASE === 'data-api') {
    // A statement may run for seconds; the Data API itself stops waiting at 45 s.
    const client = new RDSDataClient({ ...awsClientConfig({ region: env.AWS_REGION, endpoint: env.RDS_DATA_ENDPOINT }, STATEMENT_TIMEOUT_MS), maxAttempts: 1 });
    const executor = createDataApiExecutor({
      client,
      resourceArn: env.DATA_API_RESOURCE_ARN!,
      secretArn: env.DATA_API_SECRET_ARN!,
      database: env.DATA_API_DATABASE,
      retry: { ...DEFAULT_RESUME_RETRY, budgetMs: env.DATA_API_RESUME_BUDGET_SECONDS * 1000 },
      logger,
    });
    return guarded(executor, () => executor.close());
  }
  const local = await openLocalOpsDatabase({ dataDir: env.OPS_DATA_DIR, seed: env.OPS_SEED });
  return guarded(local.executorFor('reader'), () => local.release());
}

/** Checks that the login cannot write, then refuses anything but reads before the database. */
async function guarded(executor: SqlExecutor, close: () => Promise<void>): Promise<ReaderDatabase> {
  try {
    await assertReadOnlyLogin(executor);
  } catch (error) {
    await close();
    throw error;
  }
  return { executor: createReadOnlyExecutor(executor), close };
}
