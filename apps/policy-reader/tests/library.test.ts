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
    const total = (await readdir(dir)).filter((name) => name.endsWith('.md')).length;
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

  it('asks for the listing and the prebuilt index together on its first load (one round trip, not two), and fails the load when the listing fails with nothing to serve', async () => {
    const folder = createFolderBlobStore(dir);
    await folder.write(INDEX_KEY, await createPolicyLibrary(folder, { refreshMs: 0, logger }).buildPrebuiltIndex());
    const asked: string[] = [];
    let releaseIndex!: () => void;
    const indexHeld = new Promise<void>((resolve) => (releaseIndex = resolve));
    const store: BlobStore = {
      ...folder,
      list: () => (asked.push('list'), folder.list()),
      // The prebuilt index answers only once the listing was asked for: read one after the other, the load would never end.
      readOptional: async (key) => (asked.push(key), await indexHeld, folder.readOptional(key)),
    };
    const loading = createPolicyLibrary(store, { refreshMs: 1000, logger }).current();
    await new Promise((resolve) => setImmediate(resolve));
    expect(asked).toEqual(expect.arrayContaining(['list', INDEX_KEY]));
    releaseIndex();
    expect((await loading).size).toBeGreaterThanOrEqual(30);

    const failing: BlobStore = { ...folder, readOptional: async () => undefined, list: async () => Promise.reject(new Error('ListObjectsV2 refused')) };
    await expect(createPolicyLibrary(failing, { refreshMs: 1000, logger }).current()).rejects.toThrow('ListObjectsV2 refused');
  });
});

// The store's own behaviour (list, read, write, keys that could leave the prefix) is in blob-store.contract.test.ts.
describe('policy library over the S3 blob store (real S3 client against s3rver on loopback)', () => {
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

  it('serves the documents under its prefix only, with S3\'s MD5 ETags', async () => {
    const store = createS3BlobStore(client, 'policies-bucket', 'corp/policies');
    const entries = await store.list();
    expect(entries).toHaveLength(5);
    expect(entries.every((entry) => /^[a-z0-9-]+\.md$/.test(entry.key) && /^[0-9a-f]{32}$/.test(entry.etag))).toBe(true);
    const library = await createPolicyLibrary(store, { refreshMs: 1000, logger }).current();
    expect(library.size).toBe(5);
  });

  it('loads from a prebuilt index object written to S3, reading no document', async () => {
    const store = createS3BlobStore(client, 'policies-bucket', 'corp/policies/');
    const builder = createPolicyLibrary(store, { refreshMs: 0, logger });
    await store.write(INDEX_KEY, await builder.buildPrebuiltIndex());
    const { store: counted, counts } = counting(store);
    const provider = createPolicyLibrary(counted, { refreshMs: 1000, logger });
    expect((await provider.current()).size).toBe(5);
    expect(provider.stats.loadedFromPrebuiltIndex).toBe(true);
    expect(counts.reads).toBe(0);
  });
});

describe('isolation between clearance levels and robustness', () => {
  const policy = (id: string, classification: string, body: string) =>
    `---\nid: ${id}\ntitle: ${id} policy\nowner: t\ncategory: c\nclassification: ${classification}\neffective: 2026-01-01\ntags: []\n---\n## Body\n${body}\n`;
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'isolation-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('gives an internal caller the same scores whatever restricted documents contain', async () => {
    const scoreWith = async (restrictedZebras: number) => {
      await rm(dir, { recursive: true, force: true });
      await cp(DEFAULT_CORPUS_DIR, dir, { recursive: true, filter: (source) => !source.includes('_index') });
      await writeFile(join(dir, 'visible.md'), policy('visible', 'internal', 'a zebra crossing'));
      for (let i = 0; i < restrictedZebras; i += 1) await writeFile(join(dir, `secret-${i}.md`), policy(`secret-${i}`, 'restricted', 'zebra zebra zebra'));
      const library = await createPolicyLibrary(createFolderBlobStore(dir), { refreshMs: 1000, logger }).current();
      const { hits, total } = library.search({ query: 'zebra', clearance: 'internal', offset: 0, limit: 5 });
      return { score: hits[0]!.score, total };
    };
    const none = await scoreWith(0);
    const many = await scoreWith(5);
    expect(many).toEqual(none);
  });

  it('drops the old version of a document whose new id clashes with another one', async () => {
    await writeFile(join(dir, 'a.md'), policy('a', 'internal', 'apple'));
    await writeFile(join(dir, 'b.md'), policy('bb', 'internal', 'kiwi'));
    let now = 0;
    const provider = createPolicyLibrary(createFolderBlobStore(dir), { refreshMs: 10, logger, clock: () => now });
    expect((await provider.current()).get('bb', 'internal')).toBeDefined();
    await writeFile(join(dir, 'b.md'), policy('a', 'restricted', 'kiwi changed'));
    now = 10;
    const library = await provider.current();
    expect(library.get('bb', 'restricted')).toBeUndefined();
    expect(library.search({ query: 'kiwi', clearance: 'restricted', offset: 0, limit: 5 }).total).toBe(0);
    expect(library.get('a', 'internal')?.sections[0]?.text).toBe('apple');
  });

  it('does not hammer a failing store: after a failed refresh the next attempt waits for the interval', async () => {
    await writeFile(join(dir, 'a.md'), policy('a', 'internal', 'apple'));
    let now = 0;
    let failing = false;
    const folder = createFolderBlobStore(dir);
    let lists = 0;
    const store: BlobStore = { ...folder, list: async () => ((lists += 1), failing ? Promise.reject(new Error('S3 down')) : folder.list()) };
    const provider = createPolicyLibrary(store, { refreshMs: 1000, logger, clock: () => now });
    await provider.current();
    failing = true;
    now = 1000;
    for (let i = 0; i < 5; i += 1) expect((await provider.current()).size).toBe(1);
    expect(lists).toBe(2);
    now = 2000;
    await provider.current();
    expect(lists).toBe(3);
  });
});
