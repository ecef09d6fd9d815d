import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { assertConfinedKey, DOCUMENT_KEY, type BlobEntry, type BlobStore } from './blob-store';

/**
 * Policy documents in S3 under one bucket and prefix. Every key is checked and joined
 * to the prefix here, so no caller-supplied key can reach another prefix or bucket.
 */
export function createS3BlobStore(client: S3Client, bucket: string, prefix: string): BlobStore {
  const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  const fullKey = (key: string) => {
    assertConfinedKey(key);
    return `${base}${key}`;
  };
  const get = async (key: string) => {
    const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: fullKey(key) }));
    return (await output.Body?.transformToString('utf8')) ?? '';
  };

  return {
    description: `s3://${bucket}/${base}`,
    async list() {
      const entries: BlobEntry[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: base, ContinuationToken: token }));
        for (const object of page.Contents ?? []) {
          const key = object.Key?.slice(base.length);
          if (!key || !DOCUMENT_KEY.test(key) || key.startsWith('_index/')) continue;
          entries.push({ key, etag: (object.ETag ?? '').replace(/"/g, ''), lastModified: object.LastModified ?? new Date(0) });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return entries.sort((a, b) => a.key.localeCompare(b.key));
    },
    read: get,
    async readOptional(key) {
      try {
        return await get(key);
      } catch (error) {
        if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    async write(key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: fullKey(key), Body: body, ContentType: 'application/json' }));
    },
  };
}

