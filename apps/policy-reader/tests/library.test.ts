import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createLogger } from '@gmcp/mcp-kit';
import { startLocalS3, type LocalS3 } from '@gmcp/local-aws';
import { createFolderBlobStore, createPolicyLibrary, createS3BlobStore, DEFAULT_CORPUS_DIR, INDEX_KEY, type BlobStore } from '../src';

const logger = createLogger('test', 'SILENT');

/** Wraps a store to count the documents it reads. */
function counting(store: BlobStore) {
  const counts = { reads: 0, lists: 0 };
  return {
    counts,
    store: {
      ...store,
      list: () => ((counts.lists += 1), store.list()),
      read: (key: string) => ((counts.reads += 1), store.read(key)),
    } satisfies BlobStore,
  };
}

describe('policy library refresh', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corpus-'));
    await cp(DEFAULT_CORPUS_DIR, dir, { recursive: true, filter: (source) => !source.includes('_index') });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('re-reads only changed objects after the refresh interval, and drops removed ones', async () => {
    let now = 0;
    const { store, counts } = counting(createFolderBlobStore(dir));
    const provider = createPolicyLibrary(store, { refreshMs: 1000, logger, clock: () => now });
    const firstSize = (await provider.current()).size;
    const total = (await readdir(dir)).length;
    expect(counts.reads).toBe(total);

    const travel = await readFile(join(dir, 'business-travel.md'), 'utf8');
    await writeFile(join(dir, 'business-travel.md'), `${travel}\n## Zebra crossings\nTravellers use zebra crossings between meetings.\n`);
    await rm(join(dir, 'code-of-conduct.md'));
    now = 999;
    await provider.current();
    expect(counts.lists).toBe(1);
    now = 1000;
    const library = await provider.current();
    expect(counts.reads).toBe(total + 1);
    expect(library.size).toBe(firstSize - 1);
    expect(library.get('code-of-conduct', 'restricted')).toBeUndefined();
    expect(library.search({ query: 'zebra crossings', clearance: 'internal', offset: 0, limit: 1 }).hits[0]?.document.id).toBe('business-travel');
  });

  it('skips a broken document and keeps serving the rest', async () => {
    await writeFile(join(dir, 'broken.md'), '---\ntitle: no id\n---\ntext');
    const library = await createPolicyLibrary(createFolderBlobStore(dir), { refreshMs: 1000, logger }).current();
    expect(library.size).toBeGreaterThanOrEqual(30);
  });

  it('loads a prebuilt index instead of every document, then reads only what changed since', async () => {
    const builder = createPolicyLibrary(createFolderBlobStore(dir), { refreshMs: 0, logger });
    await createFolderBlobStore(dir).write(INDEX_KEY, await builder.buildPrebuiltIndex());
    await writeFile(join(dir, 'new-policy.md'), '---\nid: new-policy\ntitle: Quokka Handling Policy\nowner: facilities\ncategory: facilities\nclassification: internal\neffective: 2026-10-01\ntags: [animals]\n---\n## Scope\nQuokkas in the office.\n');

    const { store, counts } = counting(createFolderBlobStore(dir));
    const provider = createPolicyLibrary(store, { refreshMs: 1000, logger });
    const library = await provider.current();
    expect(provider.stats.loadedFromPrebuiltIndex).toBe(true);
    expect(counts.reads).toBe(1);
    expect(library.search({ query: 'quokka', clearance: 'internal', offset: 0, limit: 1 }).hits[0]?.document.id).toBe('new-policy');
    expect(library.search({ query: 'hotel nightly rate', clearance: 'internal', offset: 0, limit: 1 }).hits[0]?.document.id).toBe('business-travel');
  });
});

describe('S3 blob store (real S3 client against s3rver on loopback)', () => {
  let s3: LocalS3;
  let client: S3Client;
  beforeAll(async () => {
    s3 = await startLocalS3({ buckets: ['policies-bucket', 'other-bucket'] });
    client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    const put = (Bucket: string, Key: string, Body: string) => client.send(new PutObjectCommand({ Bucket, Key, Body }));
    const corpus = (await readdir(DEFAULT_CORPUS_DIR)).filter((name) => name.endsWith('.md')).slice(0, 5);
    for (const name of corpus) await put('policies-bucket', `corp/policies/${name}`, await readFile(join(DEFAULT_CORPUS_DIR, name), 'utf8'));
    await put('policies-bucket', 'corp/secrets/keys.md', 'not a policy');
    await put('other-bucket', 'corp/policies/x.md', 'elsewhere');
  });
  afterAll(async () => {
    client.destroy();
    await s3.stop();
  });

  it('lists and reads only under its prefix, with ETags', async () => {
    const store = createS3BlobStore(client, 'policies-bucket', 'corp/policies');
    const entries = await store.list();
    expect(entries).toHaveLength(5);
    expect(entries.every((entry) => /^[a-z0-9-]+\.md$/.test(entry.key) && /^[0-9a-f]{32}$/.test(entry.etag))).toBe(true);
    const library = await createPolicyLibrary(store, { refreshMs: 1000, logger }).current();
    expect(library.size).toBe(5);
  });

  it.each(['../secrets/keys.md', '/corp/secrets/keys.md', 'a/../../secrets/keys.md', '..\\\\secrets\\\\keys.md'])('cannot be steered outside its prefix: %s', async (key) => {
    const store = createS3BlobStore(client, 'policies-bucket', 'corp/policies/');
    await expect(store.read(key)).rejects.toThrow(/not inside the policy location/);
  });

  it('writes and reads back the prebuilt index object', async () => {
    const store = createS3BlobStore(client, 'policies-bucket', 'corp/policies/');
    expect(await store.readOptional(INDEX_KEY)).toBeUndefined();
    const builder = createPolicyLibrary(store, { refreshMs: 0, logger });
    await store.write(INDEX_KEY, await builder.buildPrebuiltIndex());
    const { store: counted, counts } = counting(store);
    const provider = createPolicyLibrary(counted, { refreshMs: 1000, logger });
    expect((await provider.current()).size).toBe(5);
    expect(provider.stats.loadedFromPrebuiltIndex).toBe(true);
    expect(counts.reads).toBe(0);
    expect((await store.list()).map((entry) => entry.key)).not.toContain(INDEX_KEY);
  });
});
