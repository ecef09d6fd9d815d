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
 * s3rver: an S3-compatible server on loopback (ListObjectsV2, GetObject, PutObject, ETags),
 * so that the real S3 client is exercised without a cloud account.
 */
export async function startLocalS3(options: { buckets: string[]; port?: number; directory?: string }): Promise<LocalS3> {
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'local-s3-')));
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      await server.close();
      if (!options.directory) await rm(directory, { recursive: true, force: true });
    },
  };
}
