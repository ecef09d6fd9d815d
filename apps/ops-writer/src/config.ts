import type { z } from 'zod';
import { ServiceEnvSchema } from '@gmcp/mcp-kit';
import { OpsDatabaseEnvShape, requireDataApiTarget } from '@gmcp/ops-data';

/** The writer's environment: the kit's variables (approvals included) plus where the database is. */
export const OpsWriterEnv = ServiceEnvSchema.extend(OpsDatabaseEnvShape).superRefine(requireDataApiTarget);
export type OpsWriterEnv = z.output<typeof OpsWriterEnv>;
