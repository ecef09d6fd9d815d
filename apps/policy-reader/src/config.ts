import { resolve } from 'node:path';
import { z } from 'zod';
import { ServiceEnvSchema } from '@gmcp/mcp-kit';

export const DEFAULT_CORPUS_DIR = resolve(__dirname, '..', 'corpus');

/** Where the policies live: the server's variables, which `npm run policies:index` reads too. */
export const PolicyStoreEnvShape = {
  /** `folder` locally; `s3` on AWS (or against a local S3-compatible server with S3_ENDPOINT). */
  POLICY_SOURCE: z.enum(['folder', 's3']).default('folder'),
  POLICY_CORPUS_DIR: z.string().min(1).default(DEFAULT_CORPUS_DIR),
  POLICY_BUCKET: z.string().min(3).max(63).optional(),
  POLICY_PREFIX: z.string().max(512).default('policies/'),
  S3_ENDPOINT: z.url().optional(),
  AWS_REGION: ServiceEnvSchema.shape.AWS_REGION,
};
export type PolicyStoreEnv = z.output<z.ZodObject<typeof PolicyStoreEnvShape>>;

export function requirePolicyBucket(env: Pick<PolicyStoreEnv, 'POLICY_SOURCE' | 'POLICY_BUCKET'>, ctx: z.RefinementCtx): void {
  if (env.POLICY_SOURCE === 's3' && !env.POLICY_BUCKET) ctx.addIssue({ code: 'custom', path: ['POLICY_BUCKET'], message: 'is required when POLICY_SOURCE=s3' });
}

/** The policy reader's environment: the kit's variables plus where the policies live. */
export const PolicyReaderEnv = ServiceEnvSchema.extend({
  ...PolicyStoreEnvShape,
  /** How old the in-memory index may get before it is refreshed by ETag. */
  POLICY_REFRESH_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
}).superRefine(requirePolicyBucket);
export type PolicyReaderEnv = z.output<typeof PolicyReaderEnv>;
