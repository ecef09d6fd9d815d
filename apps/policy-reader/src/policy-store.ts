import { S3Client } from '@aws-sdk/client-s3';
import type { PolicyStoreEnv } from './config';
import type { BlobStore } from './policies/blob-store';
import { createFolderBlobStore } from './policies/folder-blob-store';
import { createS3BlobStore } from './policies/s3-blob-store';

/** The one place where configuration picks the policy store adapter. */
export function policyStoreFrom(env: PolicyStoreEnv): BlobStore {
  if (env.POLICY_SOURCE === 'folder') return createFolderBlobStore(env.POLICY_CORPUS_DIR);
  const local = env.S3_ENDPOINT
    ? { endpoint: env.S3_ENDPOINT, forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
    : {};
  const client = new S3Client({
    region: env.AWS_REGION,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 5000 },
    ...local,
  });
  return createS3BlobStore(client, env.POLICY_BUCKET!, env.POLICY_PREFIX);
}
