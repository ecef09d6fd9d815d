import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startLocalS3 } from '@gmcp/local-aws';
import { DIGEST_VERSION, recordHash, recordsHash, type AuditDigest } from '../../src/audit/digests/digest-core';
import { digestKey, type DigestStore } from '../../src/audit/digests/digest-store';
import { createFolderDigestStore } from '../../src/audit/digests/folder-digest-store';
import { createDigestS3Client, createS3DigestStore, DIGEST_PREFIX } from '../../src/audit/digests/s3-digest-store';

/** A store with nothing in it, and a way to write an object where a digest would be, bypassing `put`. */
interface OpenedStore {
  store: DigestStore;
  /** Writes `body` as the object named `name` among the digests; returns where it is, as an error should name it. */
  plant(name: string, body: string): Promise<string>;
}

interface StoreAdapter {
  name: string;
  /** Starts the adapter's peer (on 127.0.0.1, an ephemeral port); `open` gives a new, empty store on it. */
  start(): Promise<{ open(): Promise<OpenedStore>; stop(): Promise<void> }>;
}

const adapters: StoreAdapter[] = [
  {
    name: 'folder',
    start: async () => {
      const root = await mkdtemp(join(tmpdir(), 'gmcp-digest-contract-'));
      return {
        open: async () => {
          const dir = await mkdtemp(join(root, 'store-'));
          return {
            store: createFolderDigestStore(dir),
            plant: async (name: string, body: string) => {
              await writeFile(join(dir, name), body);
              return join(dir, name);
            },
          };
        },
        stop: () => rm(root, { recursive: true, force: true }),
      };
    },
  },
  ...[false, true].map((locked) => ({
    name: locked ? 'S3 with Object Lock (the SDK sends the checksum a locked bucket requires)' : 'S3 (s3rver, the real S3 client)',
    // S3 answers a PutObject with If-None-Match: * on an existing key with 412 PreconditionFailed;
    // audit-digests-aws.test.ts checks that the adapter's put carries it.
    start: async () => {
      const names = [1, 2, 3, 4, 5, 6, 7, 8].map((index) => `digest-contract-${locked ? 'locked-' : ''}${index}`);
      const s3 = await startLocalS3({ buckets: [], objectLocked: locked ? names : [] });
      const client = createDigestS3Client({ region: 'eu-west-1', endpoint: s3.endpoint });
      let buckets = 0;
      return {
        open: async () => {
          const bucket = names[buckets++]!;
          await client.send(new CreateBucketCommand({ Bucket: bucket }));
          return {
            store: createS3DigestStore(client, bucket),
            plant: async (name: string, body: string) => {
              await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${DIGEST_PREFIX}${name}`, Body: body }));
              return `s3://${bucket}/${DIGEST_PREFIX}${name}`;
            },
          };
        },
        stop: async () => {
          client.destroy();
          await s3.stop();
        },
      };
    },
  })),
];

const base = Date.parse('2026-11-20T10:00:00.000Z');
const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();

/** A well-formed digest of [from, to) minutes (the store checks its shape, not its signature). */
function digestOf(from: number, to: number, signature = 'c2lnbmF0dXJl'): AuditDigest {
  const records: [string, string][] = [[`event-${from}`, recordHash({ event_id: `event-${from}`, time: at(from) })]];
  return {
    version: DIGEST_VERSION,
    range: { start: at(from), end: at(to) },
    record_count: records.length,
    records,
    records_hash: recordsHash(records.map(([, hash]) => hash)),
    previous_digest_hash: null,
    created_at: at(to),
    key_id: 'sha256:0000000000000000000000000000000000000000000000000000000000000000',
    algorithm: 'Ed25519',
    signature,
  };
}

describe.each(adapters)('$name digest store', (adapter) => {
  let peer: Awaited<ReturnType<StoreAdapter['start']>>;
  let opened: OpenedStore;
  let store: DigestStore;

  beforeAll(async () => {
    peer = await adapter.start();
  });
  afterAll(() => peer.stop());
  beforeEach(async () => {
    opened = await peer.open();
    store = opened.store;
  });

  const [first, second, third] = [digestOf(0, 60), digestOf(60, 24 * 60 + 10), digestOf(24 * 60 + 10, 24 * 60 + 70)];

  it('lists nothing and has no latest digest while empty', async () => {
    expect(await store.list()).toEqual([]);
    expect(await store.latest()).toBeUndefined();
  });

  it('lists every digest put, whole, oldest range first, whatever order they were put in', async () => {
    for (const digest of [third, first, second]) await store.put(digest);
    expect(await store.list()).toEqual([first, second, third]);
  });

  it('answers latest with the newest digest, without reading the others', async () => {
    await store.put(second);
    await store.put(first);
    // An older object that does not even parse: latest never reads it, list must.
    const where = await opened.plant(digestKey({ range: { start: at(-60), end: at(0) } }), '{"version":1}');
    expect(await store.latest()).toEqual(second);
    await expect(store.list()).rejects.toThrow(where);
  });

  it('never replaces a digest: a second put with the same range start is refused, the first kept', async () => {
    await store.put(first);
    const rival = { ...digestOf(0, 90, 'b3RoZXI='), previous_digest_hash: 'sha256:fork' };
    await expect(store.put(rival)).rejects.toThrow();
    expect(await store.list()).toEqual([first]);
    expect(await store.latest()).toEqual(first);
  });

  it('refuses a stored object that is not a well-formed digest, naming where it is', async () => {
    await store.put(first);
    const { signature: _signature, ...unsigned } = second;
    const where = await opened.plant(digestKey(second), JSON.stringify(unsigned));
    await expect(store.latest()).rejects.toThrow(`${where} is not a well-formed digest`);
    await expect(store.list()).rejects.toThrow(`${where} is not a well-formed digest`);
  });

  it('refuses a stored object that is not JSON at all (a truncated write), naming where it is', async () => {
    const where = await opened.plant(digestKey(first), JSON.stringify(first).slice(0, 40));
    await expect(store.latest()).rejects.toThrow(`${where} is not a well-formed digest: not JSON`);
  });
});
