import { z } from 'zod';
import { parseEnv, ServiceEnvSchema } from '@gmcp/mcp-kit';
import { assertDatabaseEnv, OpsDatabaseEnvShape } from '@gmcp/ops-data';

/** The writer's environment: the kit's variables (approvals included) plus where the database is. */
export const OpsWriterEnv = ServiceEnvSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(4103),
  ...OpsDatabaseEnvShape,
});
export type OpsWriterEnv = z.output<typeof OpsWriterEnv>;

export function parseOpsWriterEnv(source: Record<string, string | undefined>): OpsWriterEnv {
  const env = parseEnv(OpsWriterEnv, source);
  assertDatabaseEnv(env);
  return env;
}
