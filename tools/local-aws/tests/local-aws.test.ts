import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startLocalDynamoDb, startSsmTestEndpoint } from '../src';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('local DynamoDB (dynalite)', () => {
  it('keeps data across a restart when given a folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynalite-'));
    const first = await startLocalDynamoDb({ path: dir });
    try {
      const client = new DynamoDBClient({ region: 'local', endpoint: first.endpoint, credentials });
      await client.send(
        new CreateTableCommand({
          TableName: 'persisted',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      );
      // A new table is CREATING until the store has written it ACTIVE (as on AWS): on a busy machine that is not at once.
      await waitUntilTableExists({ client, maxWaitTime: 20, minDelay: 1, maxDelay: 1 }, { TableName: 'persisted' });
      await client.send(new PutItemCommand({ TableName: 'persisted', Item: { pk: { S: 'k' }, value: { S: 'kept' } } }));
    } finally {
      await first.stop();
    }

    const second = await startLocalDynamoDb({ path: dir });
    try {
      const again = new DynamoDBClient({ region: 'local', endpoint: second.endpoint, credentials });
      const item = await again.send(new GetItemCommand({ TableName: 'persisted', Key: { pk: { S: 'k' } } }));
      expect(item.Item?.value).toEqual({ S: 'kept' });
    } finally {
      await second.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('SSM test endpoint', () => {
  it('serves GetParameter and PutParameter to the real SSM client, and can simulate an outage', async () => {
    const ssm = await startSsmTestEndpoint();
    const client = new SSMClient({ region: 'us-east-1', endpoint: ssm.endpoint, credentials, maxAttempts: 1 });
    await client.send(new PutParameterCommand({ Name: '/a/b', Value: 'one', Type: 'String', Overwrite: true }));
    await client.send(new PutParameterCommand({ Name: '/a/b', Value: 'two', Type: 'String', Overwrite: true }));
    const output = await client.send(new GetParameterCommand({ Name: '/a/b' }));
    expect(output.Parameter).toMatchObject({ Name: '/a/b', Value: 'two', Version: 2, Type: 'String' });
    await expect(client.send(new GetParameterCommand({ Name: '/nope' }))).rejects.toMatchObject({ name: 'ParameterNotFound' });
    ssm.setAvailable(false);
    await expect(client.send(new GetParameterCommand({ Name: '/a/b' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    await ssm.stop();
  });
});

describe('local S3 (s3rver)', () => {
  it('serves the real S3 client: put, list with a prefix, get with ETags', async () => {
    const { S3Client, PutObjectCommand, ListObjectsV2Command, GetObjectCommand } = await import('@aws-sdk/client-s3');
    const { startLocalS3 } = await import('../src');
    const s3 = await startLocalS3({ buckets: ['docs'] });
    const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    await client.send(new PutObjectCommand({ Bucket: 'docs', Key: 'policies/a.md', Body: 'hello' }));
    await client.send(new PutObjectCommand({ Bucket: 'docs', Key: 'other/b.md', Body: 'x' }));
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'docs', Prefix: 'policies/' }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual(['policies/a.md']);
    expect(listed.Contents?.[0]?.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    const got = await client.send(new GetObjectCommand({ Bucket: 'docs', Key: 'policies/a.md' }));
    expect(await got.Body?.transformToString()).toBe('hello');
    client.destroy();
    await s3.stop();
  });

  it('through the IAM call recorder, a read of a missing object also needs s3:ListBucket without a prefix, as S3 decides 404 or 403', async () => {
    const { S3Client, PutObjectCommand, GetObjectCommand } = await import('@aws-sdk/client-s3');
    const { startLocalS3, startIamCallRecorder } = await import('../src');
    const s3 = await startLocalS3({ buckets: ['docs'] });
    const recorder = await startIamCallRecorder(s3.endpoint, 's3', { region: 'us-east-1', account: '111111111111' });
    const client = new S3Client({ region: 'us-east-1', endpoint: recorder.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    await client.send(new PutObjectCommand({ Bucket: 'docs', Key: 'policies/a.md', Body: 'hello' }));
    await client.send(new GetObjectCommand({ Bucket: 'docs', Key: 'policies/a.md' }));
    await expect(client.send(new GetObjectCommand({ Bucket: 'docs', Key: 'policies/_index/missing.json' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    expect(recorder.calls.slice(1)).toEqual([
      { action: 's3:GetObject', resource: 'arn:aws:s3:::docs/policies/a.md' },
      { action: 's3:GetObject', resource: 'arn:aws:s3:::docs/policies/_index/missing.json' },
      { action: 's3:ListBucket', resource: 'arn:aws:s3:::docs', context: {} },
    ]);
    client.destroy();
    await recorder.stop();
    await s3.stop();
  });

  it('holds an Object Lock bucket to S3’s rules: no upload without a checksum, no delete', async () => {
    const { S3Client, PutObjectCommand, DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    const { startLocalS3 } = await import('../src');
    const s3 = await startLocalS3({ buckets: ['digests'], objectLocked: ['digests'] });
    const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    await client.send(new PutObjectCommand({ Bucket: 'digests', Key: 'd/1.json', Body: '{}' }));
    const bare = await fetch(`${s3.endpoint}/digests/d/2.json`, { method: 'PUT', body: '{}' });
    expect(bare.status).toBe(400);
    expect(await bare.text()).toContain('Content-MD5 OR x-amz-checksum- HTTP header is required');
    await expect(client.send(new DeleteObjectCommand({ Bucket: 'digests', Key: 'd/1.json' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    client.destroy();
    await s3.stop();
  });

  it('refuses a conditional put (If-None-Match: *) on an existing key with 412, keeping the object, as S3 does', async () => {
    const { S3Client, PutObjectCommand, GetObjectCommand } = await import('@aws-sdk/client-s3');
    const { startLocalS3 } = await import('../src');
    const s3 = await startLocalS3({ buckets: ['docs'] });
    const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    await client.send(new PutObjectCommand({ Bucket: 'docs', Key: 'digests/a b.json', Body: 'first', IfNoneMatch: '*' }));
    const second = client.send(new PutObjectCommand({ Bucket: 'docs', Key: 'digests/a b.json', Body: 'second', IfNoneMatch: '*' }));
    await expect(second).rejects.toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
    const got = await client.send(new GetObjectCommand({ Bucket: 'docs', Key: 'digests/a b.json' }));
    expect(await got.Body?.transformToString()).toBe('first');
    // Without the condition, a put still replaces.
    await client.send(new PutObjectCommand({ Bucket: 'docs', Key: 'digests/a b.json', Body: 'third' }));
    expect(await (await client.send(new GetObjectCommand({ Bucket: 'docs', Key: 'digests/a b.json' }))).Body?.transformToString()).toBe('third');
    client.destroy();
    await s3.stop();
  });
});
