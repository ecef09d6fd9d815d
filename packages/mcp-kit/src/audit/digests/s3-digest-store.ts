import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { awsClientConfig, type AwsClientOptions } from '../../aws/clients';
import type { AuditDigest } from './digest-core';
import { digestKey, parseDigest, type DigestStore } from './digest-store';

export const DIGEST_PREFIX = 'digests/';
/** Where verifiers fetch the digests' public key, beside them. */
export const PUBLIC_KEY_OBJECT = 'public-key.pem';

export function createDigestS3Client(options: AwsClientOptions): S3Client {
  return new S3Client({ ...awsClientConfig(options, 30_000), forcePathStyle: options.endpoint !== undefined, maxAttempts: 3 });
}

/** On AWS: one object per digest in a bucket of its own (versioned; writes never replace). */
export function createS3DigestStore(client: S3Client, bucket: string): DigestStore & { publishPublicKey(pem: string, keyId: string): Promise<void> } {
  const keys = async () => {
    const found: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: DIGEST_PREFIX, ContinuationToken: token }));
      found.push(...(page.Contents ?? []).map((object) => object.Key!).filter((key) => key.endsWith('.json')));
      token = page.NextContinuationToken;
    } while (token);
    return found.sort();
  };
  const read = async (key: string) => parseDigest(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString(), `s3://${bucket}/${key}`);
  return {
    description: `s3://${bucket}/${DIGEST_PREFIX}`,
    async list() {
      const digests: AuditDigest[] = [];
      for (const key of await keys()) digests.push(await read(key));
      return digests;
    },
    async latest() {
      const last = (await keys()).at(-1);
      return last === undefined ? undefined : read(last);
    },
    async put(digest) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${DIGEST_PREFIX}${digestKey(digest)}`, Body: JSON.stringify(digest), ContentType: 'application/json', IfNoneMatch: '*' }));
    },
    /**
     * For convenience only: a verifier must trust the key it gets from KMS (GetPublicKey) or a
     * key id it pinned, never this copy, which anyone who can write the bucket could replace.
     */
    async publishPublicKey(pem, keyId) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: PUBLIC_KEY_OBJECT, Body: pem, ContentType: 'application/x-pem-file', Metadata: { 'key-id': keyId } }));
    },
  };
}
