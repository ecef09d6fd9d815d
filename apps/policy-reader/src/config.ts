import { resolve } from 'node:path';
import { z } from 'zod';
import { ServiceEnvSchema } from '@gmcp/mcp-kit';

export const DEFAULT_CORPUS_DIR = resolve(__dirname, '..', 'corpus');

/** The policy reader's environment: the kit's variables plus where the corpus lives. */
export const PolicyReaderEnv = ServiceEnvSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(4101),
  POLICY_CORPUS_DIR: z.string().min(1).default(DEFAULT_CORPUS_DIR),
});
export type PolicyReaderEnv = z.output<typeof PolicyReaderEnv>;
