import { z } from 'zod';
import { ConfigError, parseEnv, ServiceEnvSchema } from '@gmcp/mcp-kit';

/** The tickets/incidents reader's environment: the kit's variables plus where the database is. */
export const OpsReaderEnv = ServiceEnvSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(4102),
  /** `embedded` (PGlite in this process) locally; `data-api` (Aurora through the RDS Data API) on AWS. */
  OPS_DATABASE: z.enum(['embedded', 'data-api']).default('embedded'),
  /** Folder of the embedded database; in memory when unset. */
  OPS_DATA_DIR: z.string().min(1).optional(),
  /** Load the seed data into an empty embedded database. */
  OPS_SEED: z.stringbool().default(true),
  DATA_API_RESOURCE_ARN: z.string().regex(/^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:cluster:.+$/, 'must be an Aurora cluster ARN').optional(),
  /** The reader's own database login (SELECT-only role); never the writer's or the admin's. */
  DATA_API_SECRET_ARN: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'must be a Secrets Manager secret ARN').optional(),
  DATA_API_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/).default('ops'),
  /** How long a statement keeps retrying while an auto-paused cluster resumes. */
  DATA_API_RESUME_BUDGET_SECONDS: z.coerce.number().int().min(0).max(60).default(20),
  /** A local Data API peer (tests); unset on AWS. */
  RDS_DATA_ENDPOINT: z.url().optional(),
});
export type OpsReaderEnv = z.output<typeof OpsReaderEnv>;

export function parseOpsReaderEnv(source: Record<string, string | undefined>): OpsReaderEnv {
  const env = parseEnv(OpsReaderEnv, source);
  if (env.OPS_DATABASE === 'data-api') {
    const missing = (['DATA_API_RESOURCE_ARN', 'DATA_API_SECRET_ARN'] as const).filter((name) => !env[name]);
    if (missing.length) throw new ConfigError(`Invalid configuration: ${missing.join(', ')} required when OPS_DATABASE=data-api`, missing);
  }
  return env;
}
