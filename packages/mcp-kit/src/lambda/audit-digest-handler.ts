import { z } from 'zod';
import { createDynamoDbClient } from '../aws/clients';
import { parseEnv, ServiceEnvSchema } from '../config/env';
import { createDynamoDbAuditStore } from '../audit/dynamodb-audit-store';
import { createAuditDigest } from '../audit/digests/create-digest';
import { createKmsClient, createKmsDigestSigner } from '../audit/digests/kms-digest-signer';
import { createDigestS3Client, createS3DigestStore } from '../audit/digests/s3-digest-store';
import { createLogger } from '../logging/logger';
import { once } from './once';

const DigestEnv = ServiceEnvSchema.pick({ AUDIT_TABLE: true, AWS_REGION: true, DYNAMODB_ENDPOINT: true, LOG_LEVEL: true }).extend({
  AUDIT_DIGEST_BUCKET: z.string().min(3),
  /** The KMS key (ARN or id) that signs digests: RSA, SIGN_VERIFY. */
  AUDIT_DIGEST_KEY_ID: z.string().min(1),
  /** Records are written just after their time: a range ends this long before the run. */
  AUDIT_DIGEST_SETTLE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  /** Where the chain starts, for the first digest (ISO time); 30 days back by default. */
  AUDIT_DIGEST_FIRST_START: z.iso.datetime().optional(),
  S3_ENDPOINT: z.url().optional(),
  KMS_ENDPOINT: z.url().optional(),
});

/**
 * The scheduled function that digests the audit table: reads the records since the last
 * digest, signs their digest with the KMS key, stores it in the digest bucket, and
 * publishes the public key beside the digests. It builds no server.
 */
export function auditDigestHandler(env: Record<string, string | undefined> = process.env) {
  const setup = once(async () => {
    const parsed = parseEnv(DigestEnv, env);
    const region = parsed.AWS_REGION;
    const digests = createS3DigestStore(createDigestS3Client({ region, endpoint: parsed.S3_ENDPOINT }), parsed.AUDIT_DIGEST_BUCKET);
    const signer = createKmsDigestSigner(createKmsClient({ region, endpoint: parsed.KMS_ENDPOINT }), parsed.AUDIT_DIGEST_KEY_ID);
    const store = createDynamoDbAuditStore(createDynamoDbClient({ region, endpoint: parsed.DYNAMODB_ENDPOINT }), parsed.AUDIT_TABLE);
    return { parsed, digests, signer, store, logger: createLogger('audit-digest', parsed.LOG_LEVEL) };
  });
  return async () => {
    const { parsed, digests, signer, store, logger } = await setup();
    const digest = await createAuditDigest({
      store,
      digests,
      signer,
      settleMs: parsed.AUDIT_DIGEST_SETTLE_SECONDS * 1000,
      firstStart: parsed.AUDIT_DIGEST_FIRST_START ? new Date(parsed.AUDIT_DIGEST_FIRST_START) : undefined,
    });
    await digests.publishPublicKey(await signer.publicKeyPem(), await signer.keyId());
    const summary = digest ? { range: digest.range, record_count: digest.record_count } : { range: null, record_count: 0 };
    logger.info('audit digest written', summary);
    return summary;
  };
}
