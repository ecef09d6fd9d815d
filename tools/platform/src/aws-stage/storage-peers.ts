import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { resourceNames, SERVER_NAMES, type StageConfig } from '@gmcp/infra';
import { startKmsTestEndpoint, startLocalDynamoDb, startLocalS3, startSsmTestEndpoint } from '@gmcp/local-aws';
import { approvalTableDefinition, auditTableDefinition, callPoliciesFileBeside, createDynamoDbClient, createLogger, ensureTables, rateLimitTableDefinition } from '@gmcp/mcp-kit/platform';
import { createPolicyLibrary, createS3BlobStore, DEFAULT_CORPUS_DIR, GLOSSARY_KEY, INDEX_KEY, wordNetExpansions } from '@gmcp/policy-reader';
import { governanceFile } from '../local-contract';
import { SESSION_TABLE_KEY } from '@gmcp/console/deployment-contract';
import { ACCOUNT, REGION } from './stage-config';

/**
 * What the stage stores outside the database, as a deployment leaves it: the tables
 * (dynalite), the allowlists and keys in SSM, the policies and their prebuilt index in S3,
 * and the digest signing key in KMS.
 */
export async function startStoragePeers(config: StageConfig) {
  const names = resourceNames(config);
  const dynamodb = await startLocalDynamoDb({});
  const dynamo = createDynamoDbClient({ region: REGION, endpoint: dynamodb.endpoint });
  const consoleSessions = { TableName: names.consoleSessionTable, BillingMode: 'PAY_PER_REQUEST' as const, AttributeDefinitions: [{ AttributeName: SESSION_TABLE_KEY, AttributeType: 'S' as const }], KeySchema: [{ AttributeName: SESSION_TABLE_KEY, KeyType: 'HASH' as const }] };
  await ensureTables(dynamo, [auditTableDefinition(names.auditTable), approvalTableDefinition(names.approvalsTable), rateLimitTableDefinition(names.rateLimitTable), consoleSessions]);

  const ssm = await startSsmTestEndpoint();
  for (const service of SERVER_NAMES) {
    ssm.put(names.governanceParameter(service), await readFile(governanceFile(service), 'utf8'));
    const callPolicies = await readFile(callPoliciesFileBeside(governanceFile(service)), 'utf8').catch(() => undefined);
    if (callPolicies !== undefined) ssm.put(names.callPoliciesParameter(service), callPolicies);
  }
  for (const service of SERVER_NAMES) ssm.put(names.auditKeyParameter(service), randomBytes(32).toString('base64'), 'SecureString');
  ssm.put(names.approvalKeyParameter, randomBytes(32).toString('base64'), 'SecureString');
  ssm.put(names.consoleClientSecretParameter, randomBytes(36).toString('base64url'), 'SecureString');

  // The digest bucket locked as the stage deploys it (production: S3 Object Lock in compliance mode).
  const s3 = await startLocalS3({ buckets: [names.policyBucket, names.digestBucket], objectLocked: config.auditDigests.objectLock ? [names.digestBucket] : [] });
  const kms = await startKmsTestEndpoint({ region: REGION, accountId: ACCOUNT });
  await uploadCorpus(s3.endpoint, names.policyBucket, names.policyPrefix);
  return {
    dynamodb,
    dynamo,
    ssm,
    s3,
    kms,
    stop: async () => {
      await kms.stop();
      await s3.stop();
      await ssm.stop();
      dynamo.destroy();
      await dynamodb.stop();
    },
  };
}

/** Publishes the shipped policies as a release would: the documents, then the prebuilt index built from the bucket itself (`npm run policies:index`). */
async function uploadCorpus(endpoint: string, bucket: string, prefix: string): Promise<void> {
  const client = new S3Client({ region: REGION, endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  const files = (await readdir(DEFAULT_CORPUS_DIR, { withFileTypes: true })).filter((entry) => entry.isFile() && (entry.name.endsWith('.md') || entry.name === GLOSSARY_KEY));
  for (const file of files) {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${file.name}`, Body: await readFile(join(DEFAULT_CORPUS_DIR, file.name)) }));
  }
  const store = createS3BlobStore(client, bucket, prefix);
  await store.write(INDEX_KEY, await createPolicyLibrary(store, { refreshMs: 0, logger: createLogger('policies-index', 'SILENT'), bridge: wordNetExpansions }).buildPrebuiltIndex());
  client.destroy();
}
