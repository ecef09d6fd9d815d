import { z } from 'zod';
import { parseEnv, ServiceEnvSchema } from '@gmcp/mcp-kit';
import { assertDatabaseEnv, OpsDatabaseEnvShape } from '@gmcp/ops-data';

/** The tickets/incidents reader's environment: the kit's variables plus where the database is. */
export const OpsReaderEnv = ServiceEnvSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(4102),
  ...OpsDatabaseEnvShape,
});
export type OpsReaderEnv = z.output<typeof OpsReaderEnv>;

export function parseOpsReaderEnv(source: Record<string, string | undefined>): OpsReaderEnv {
  const env = parseEnv(OpsReaderEnv, source);
  assertDatabaseEnv(env);
  return env;
}
