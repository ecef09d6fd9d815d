// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- s3rver ships no types; this makes them visible to every importer
/// <reference path="./s3rver.d.ts" />
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
// s3rver knows one key pair (S3RVER); the platform's clients sign with `local` / `local`
// against every local endpoint (see awsClientConfig), so that pair is registered too.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- s3rver's account registry is not exported
(require('s3rver/lib/models/account') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } }).DUMMY_ACCOUNT.createKeyPair('local', 'local');

export interface LocalS3 {
  /** e.g. http://127.0.0.1:4120 (use path-style addressing) */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * S3 answers a PutObject with `If-None-Match: *` on an existing key with 412 and keeps the
 * object (conditional writes, 2024); s3rver ignores the header and replaces it. Held here, so
 * that a store relying on it (the audit digests never replace one) is tested as S3 behaves.
 */
function conditionalPut(store: { existsObject(bucket: string, key: string): Promise<boolean> }) {
  return async (ctx: { method: string; path: string; get(header: string): string; status: number; type: string; body: unknown }, next: () => Promise<void>) => {
    const [, bucket, ...key] = ctx.path.split('/');
    if (ctx.method === 'PUT' && ctx.get('if-none-match') === '*' && bucket && key.length && (await store.existsObject(bucket, decodeURIComponent(key.join('/'))))) {
      ctx.status = 412;
      ctx.type = 'application/xml';
      ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>';
      return;
    }
    await next();
  };
}

/**
 * A bucket with S3 Object Lock takes an upload only with an integrity checksum (Content-MD5 or an
 * x-amz-checksum-* header: "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object
 * requests with Object Lock parameters"), and keeps every version it holds: deletes are refused
 * here (S3 would add a delete marker and keep the locked version).
 */
function objectLock(buckets: ReadonlySet<string>) {
  return async (ctx: { method: string; path: string; get(header: string): string; headers: Record<string, string | string[] | undefined>; status: number; type: string; body: unknown }, next: () => Promise<void>) => {
    const [, bucket, ...key] = ctx.path.split('/');
    if (!bucket || !buckets.has(bucket) || key.join('/') === '') return next();
    const refuse = (status: number, code: string, message: string) => {
      ctx.status = status;
      ctx.type = 'application/xml';
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
    };
    // A checksum in a header, or announced for the trailer of a streamed body.
    const checksummed =
      ctx.get('content-md5') !== '' ||
      Object.keys(ctx.headers).some((header) => header.startsWith('x-amz-checksum-') && header !== 'x-amz-checksum-type') ||
      ctx.get('x-amz-trailer').startsWith('x-amz-checksum-');
    if (ctx.method === 'PUT' && !checksummed) return refuse(400, 'InvalidRequest', 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters');
    if (ctx.method === 'DELETE') return refuse(403, 'AccessDenied', 'Access Denied because object protected by object lock.');
    await next();
  };
}

/**
 * s3rver: an S3-compatible server on loopback (ListObjectsV2, GetObject, PutObject with
 * `If-None-Match: *`, ETags),
 * so that the real S3 client is exercised without a cloud account.
 */
export async function startLocalS3(options: { buckets: string[]; port?: number; directory?: string; /** Buckets created with S3 Object Lock. */ objectLocked?: string[] }): Promise<LocalS3> {
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'local-s3-')));
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  server.middleware.unshift(conditionalPut(server.store));
  if (options.objectLocked?.length) server.middleware.unshift(objectLock(new Set(options.objectLocked)));
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      await server.close();
      if (!options.directory) await rm(directory, { recursive: true, force: true });
    },
  };
}
