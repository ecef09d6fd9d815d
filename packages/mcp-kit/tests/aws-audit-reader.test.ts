import { randomBytes } from 'node:crypto';
import { startKmsTestEndpoint, startLocalDynamoDb, startLocalS3, startSsmTestEndpoint, type KmsTestEndpoint, type LocalDynamoDb, type LocalS3, type SsmTestEndpoint } from '@gmcp/local-aws';
import { auditTableDefinition, createAuditDigest, createDigestS3Client, createDynamoDbAuditStore, createDynamoDbClient, createKmsClient, createKmsDigestSigner, createRecordSigner, createS3DigestStore, ensureTables } from '../src/platform';
import { awsAuditReader } from '../src/audit-reading';
import { newEventId } from '../src/audit/audit-record';

const BUCKET = 'gmcp-test-reader-digests';
const KEY_PARAMETER = '/gmcp/test/ops-writer/audit/hmac-key';

describe('the auditors’ reader on AWS (dynalite, s3rver, SSM and KMS test endpoints; the real SDK clients)', () => {
  let dynamodb: LocalDynamoDb;
  let s3: LocalS3;
  let kms: KmsTestEndpoint;
  let ssm: SsmTestEndpoint;

  beforeAll(async () => {
    [dynamodb, s3, kms, ssm] = await Promise.all([startLocalDynamoDb(), startLocalS3({ buckets: [BUCKET] }), startKmsTestEndpoint({ region: 'eu-west-1', accountId: '222222222222' }), startSsmTestEndpoint()]);
    await ensureTables(createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint }), [auditTableDefinition('audit')]);
  });
  afterAll(async () => Promise.all([dynamodb.stop(), s3.stop(), kms.stop(), ssm.stop()]));

  it('verifies records signed before and after a key rotation (the parameter’s history), and the digest chain with the KMS public key', async () => {
    const store = createDynamoDbAuditStore(createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint }), 'audit');
    const append = async (key: Buffer, requestId: string) => {
      const time = new Date();
      await store.append(createRecordSigner(key).sign({ event_id: newEventId(time), event: 'tool_allowed', time: time.toISOString(), server: 'ops-writer', server_version: '1', request_id: requestId, source: {}, decision: 'allowed', reason: 'policy_allowed' }));
    };
    const [before, after, stranger] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    ssm.put(KEY_PARAMETER, before.toString('base64'), 'SecureString');
    await append(before, 'r1');
    ssm.put(KEY_PARAMETER, after.toString('base64'), 'SecureString');
    await append(after, 'r2');
    await append(stranger, 'r3');
    const s3Client = createDigestS3Client({ region: 'eu-west-1', endpoint: s3.endpoint });
    await createAuditDigest({ store, digests: createS3DigestStore(s3Client, BUCKET), signer: createKmsDigestSigner(createKmsClient({ region: 'eu-west-1', endpoint: kms.endpoint }), kms.keyArn), settleMs: 0 });

    const reader = awsAuditReader({
      region: 'eu-west-1',
      auditTable: 'audit',
      auditKeyParameters: { 'ops-writer': KEY_PARAMETER },
      digestBucket: BUCKET,
      digestKeyId: kms.keyArn,
      endpoints: { dynamodb: dynamodb.endpoint, ssm: ssm.endpoint, s3: s3.endpoint, kms: kms.endpoint },
    });
    const { records } = await reader.search({ since: new Date(Date.now() - 60_000), limit: 10 });
    expect(Object.fromEntries(records.map((record) => [record.request_id, record.signature_valid]))).toEqual({ r1: true, r2: true, r3: false });
    const chain = await reader.chain();
    expect(chain.report).toMatchObject({ ranges: [expect.objectContaining({ records: 3, findings: [] })], chain: [] });
    expect(chain.ok).toBe(true);
    expect(chain.description).toContain(BUCKET);
  });
});
