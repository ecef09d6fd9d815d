import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, parseEnv, ServiceEnvSchema } from '@gmcp/mcp-kit';

export const DEFAULT_CORPUS_DIR = resolve(__dirname, '..', 'corpus');

/** The policy reader's environment: the kit's variables plus where the policies live. */
export const PolicyReaderEnv = ServiceEnvSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(4101),
  /** `folder` locally; `s3` on AWS (or against a local S3-compatible server with S3_ENDPOINT). */
  POLICY_SOURCE: z.enum(['folder', 's3']).default('folder'),
  POLICY_CORPUS_DIR: z.string().min(1).default(DEFAULT_CORPUS_DIR),
  POLICY_BUCKET: z.string().min(3).max(63).optional(),
  POLICY_PREFIX: z.string().max(512).default('policies/'),
  S3_ENDPOINT: z.url().optional(),
  /** How old the in-memory index may get before it is refreshed by ETag. */
  POLICY_REFRESH_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
});
export type PolicyReaderEnv = z.output<typeof PolicyReaderEnv>;

export function parsePolicyReaderEnv(source: Record<string, string | undefined>): PolicyReaderEnv {
  const env = parseEnv(PolicyReaderEnv, source);
  if (env.POLICY_SOURCE === 's3' && !env.POLICY_BUCKET) {
    throw new ConfigError('Invalid configuration: POLICY_BUCKET is required when POLICY_SOURCE=s3', ['POLICY_BUCKET']);
  }
  return env;
}
