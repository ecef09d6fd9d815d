import type { z } from 'zod';
import { ServiceEnvSchema } from '@gmcp/mcp-kit';
import { OpsDatabaseEnvShape, requireDataApiTarget } from '@gmcp/ops-data';

/** The tickets/incidents reader's environment: the kit's variables plus where the database is. */
export const OpsReaderEnv = ServiceEnvSchema.extend(OpsDatabaseEnvShape).superRefine(requireDataApiTarget);
export type OpsReaderEnv = z.output<typeof OpsReaderEnv>;
