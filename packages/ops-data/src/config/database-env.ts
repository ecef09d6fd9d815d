import { z } from 'zod';
import { createRdsDataClient } from '../support/aws-clients';
import type { OpsDataLogger } from '../support/logger';
import type { DatabaseRoleName } from '../schema/roles';
import { createDataApiExecutor, DEFAULT_RESUME_RETRY } from '../sql/data-api-executor';
import type { SqlExecutor } from '../sql/sql-executor';

/** The variables of a server on the tickets/incidents database; apps spread them into their env schema. */
export const OpsDatabaseEnvShape = {
  /** `embedded` (PGlite in this process) locally; `data-api` (Aurora through the RDS Data API) on AWS. */
  OPS_DATABASE: z.enum(['embedded', 'data-api']).default('embedded'),
  /** Folder of the embedded database; in memory when unset. */
  OPS_DATA_DIR: z.string().min(1).optional(),
  /** Load the seed data into an empty embedded database. */
  OPS_SEED: z.stringbool().default(true),
  DATA_API_RESOURCE_ARN: z.string().regex(/^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:cluster:.+$/, 'must be an Aurora cluster ARN').optional(),
  /** This server's own database login; never another server's or the admin's. */
  DATA_API_SECRET_ARN: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'must be a Secrets Manager secret ARN').optional(),
  DATA_API_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/).default('ops'),
  /** How long a statement keeps retrying while an auto-paused cluster resumes. */
  DATA_API_RESUME_BUDGET_SECONDS: z.coerce.number().int().min(0).max(60).default(20),
  /** A local Data API peer (tests); unset on AWS. */
  RDS_DATA_ENDPOINT: z.url().optional(),
};
export type OpsDatabaseEnv = z.output<z.ZodObject<typeof OpsDatabaseEnvShape>> & { AWS_REGION: string };

/**
 * The check an app's env schema refines with (`.superRefine(requireDataApiTarget)`): the
 * Data API variables are required when `data-api` is chosen.
 */
export function requireDataApiTarget(env: Pick<OpsDatabaseEnv, 'OPS_DATABASE' | 'DATA_API_RESOURCE_ARN' | 'DATA_API_SECRET_ARN'>, ctx: z.RefinementCtx): void {
  if (env.OPS_DATABASE !== 'data-api') return;
  for (const name of ['DATA_API_RESOURCE_ARN', 'DATA_API_SECRET_ARN'] as const) {
    if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'is required when OPS_DATABASE=data-api' });
  }
}

export interface OpsDatabase {
  readonly executor: SqlExecutor;
  close(): Promise<void>;
}

/** A statement may run for seconds; the Data API itself stops waiting at 45 s. */
const STATEMENT_TIMEOUT_MS = 15_000;

/**
 * The executor of one server, acting as `role`: on Aurora through the server's own secret
 * (the secret fixes the role), locally as the same group role on the embedded database.
 */
export async function openOpsDatabase(env: OpsDatabaseEnv, role: DatabaseRoleName, logger: OpsDataLogger): Promise<OpsDatabase> {
  if (env.OPS_DATABASE === 'data-api') {
    const client = createRdsDataClient({ region: env.AWS_REGION, endpoint: env.RDS_DATA_ENDPOINT }, STATEMENT_TIMEOUT_MS);
    const executor = createDataApiExecutor({
      client,
      resourceArn: env.DATA_API_RESOURCE_ARN!,
      secretArn: env.DATA_API_SECRET_ARN!,
      database: env.DATA_API_DATABASE,
      retry: { ...DEFAULT_RESUME_RETRY, budgetMs: env.DATA_API_RESUME_BUDGET_SECONDS * 1000 },
      logger,
    });
    return { executor, close: () => executor.close() };
  }
  // Loaded on demand: the embedded PostgreSQL stays out of Lambda bundles, which never use it.
  const { openLocalOpsDatabase } = await import('../local/local-database');
  const local = await openLocalOpsDatabase({ dataDir: env.OPS_DATA_DIR, seed: env.OPS_SEED });
  return { executor: local.executorFor(role), close: () => local.release() };
}
