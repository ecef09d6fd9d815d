import { randomBytes } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { startKmsTestEndpoint, startLocalDynamoDb, startLocalS3, type KmsTestEndpoint, type LocalDynamoDb, type LocalS3 } from '@gmcp/local-aws';
import {
  auditTableDefinition,
  createDigestS3Client,
  createDynamoDbAuditStore,
  createDynamoDbClient,
  createRecordSigner,
  createS3DigestStore,
  ensureTables,
  PUBLIC_KEY_OBJECT,
  recordsIn,
  verifyAuditDigests,
  type AuditStore,
} from '../src/platform';
import { auditDigestHandler } from '../src/lambda';
import { newEventId } from '../src/audit/audit-record';

const hmac = createRecordSigner(randomBytes(32));
const BUCKET = 'gmcp-test-audit-digests';

describe('the scheduled audit digest on AWS (dynalite, s3rver, a KMS test endpoint; the real SDK clients)', () => {
  let dynamodb: LocalDynamoDb;
  let s3: LocalS3;
  let kms: KmsTestEndpoint;
  let store: AuditStore;
  let env: Record<string, string>;

  beforeAll(async () => {
    [dynamodb, s3, kms] = await Promise.all([startLocalDynamoDb(), startLocalS3({ buckets: [BUCKET] }), startKmsTestEndpoint({ region: 'eu-west-1', accountId: '222222222222' })]);
    const client = createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint });
    await ensureTables(client, [auditTableDefinition('audit')]);
    store = createDynamoDbAuditStore(client, 'audit');
    env = {
      AWS_REGION: 'eu-west-1',
      AUDIT_TABLE: 'audit',
      DYNAMODB_ENDPOINT: dynamodb.endpoint,
      AUDIT_DIGEST_BUCKET: BUCKET,
      AUDIT_DIGEST_KEY_ID: kms.keyArn,
      AUDIT_DIGEST_SETTLE_SECONDS: '0',
      S3_ENDPOINT: s3.endpoint,
      KMS_ENDPOINT: kms.endpoint,
      LOG_LEVEL: 'SILENT',
    };
  });
  afterAll(async () => Promise.all([dynamodb.stop(), s3.stop(), kms.stop()]));

  const append = async (count: number) => {
    for (let index = 0; index < count; index += 1) {
      const time = new Date();
      await store.append(hmac.sign({ event_id: newEventId(time), event: 'tool_allowed', time: time.toISOString(), server: 'ops-writer', server_version: '1', request_id: `r${index}`, source: {}, decision: 'allowed', reason: 'policy_allowed' }));
    }
  };

  it('digests new records on each run, signed by the KMS key, with the public key published beside the digests', async () => {
    const run = auditDigestHandler(env);
    const settle = () => new Promise((resolve) => setTimeout(resolve, 10));
    await append(3);
    await settle();
    expect(await run()).toMatchObject({ record_count: 3 });
    await append(2);
    await settle();
    expect(await run()).toMatchObject({ record_count: 2 });

    const s3Client = createDigestS3Client({ region: 'eu-west-1', endpoint: s3.endpoint });
    const digests = await createS3DigestStore(s3Client, BUCKET).list();
    expect(digests.map((digest) => [digest.algorithm, digest.record_count])).toEqual([
      ['RSASSA_PKCS1_V1_5_SHA_256', 3],
      ['RSASSA_PKCS1_V1_5_SHA_256', 2],
    ]);
    const published = await (await s3Client.send(new GetObjectCommand({ Bucket: BUCKET, Key: PUBLIC_KEY_OBJECT }))).Body!.transformToString();
    expect(published).toBe(kms.publicKey.export({ type: 'spki', format: 'pem' }).toString());

    const records = await recordsIn(store, digests[0]!.range.start, new Date().toISOString());
    expect(verifyAuditDigests({ records, digests, publicKey: published, anchor: 'genesis' })).toMatchObject({ ok: true, chain: [] });
    // Signed by KMS: the private key never left it.
    expect(kms.requests).toBeGreaterThanOrEqual(3);
  });
});
