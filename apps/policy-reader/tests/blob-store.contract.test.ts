import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startLocalS3 } from '@gmcp/local-aws';
import { createFolderBlobStore, createS3BlobStore, INDEX_KEY, type BlobStore } from '../src';
import { KeyOutsideLocationError } from '../src/policies/blob-store';

/**
 * The BlobStore port's contract, run identically against every adapter: the folder store
 * and the S3 store (the real S3 client against s3rver on loopback).
 */
interface StartedStore {
  readonly adapter: BlobStore;
  /** The store's location spelled as a relative key: the folder's path, or the bucket prefix. */
  readonly locationAsKey: string;
  /** Stores a file or object under the location by its raw name, past the adapter's key checks (as an upload by hand would). */
  putRaw(name: string, body: string): Promise<void>;
  /** Every file or object outside the location, by name, with its content: nothing the store is asked may change it. */
  outside(): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

interface BlobStoreFactory {
  readonly name: string;
  start(): Promise<StartedStore>;
}

/** Planted around every location; they begin with `outside:` so a read that reaches one shows. */
const OUTSIDE_FILES = ['secrets/keys.md', 'top.md', 'policies-archive/old.md'];

const folderStore: BlobStoreFactory = {
  name: 'folder',
  async start() {
    const parent = await mkdtemp(join(tmpdir(), 'blob-contract-'));
    const root = join(parent, 'policies');
    await mkdir(root);
    const put = async (path: string, body: string) => {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, body);
    };
    for (const name of OUTSIDE_FILES) await put(join(parent, ...name.split('/')), `outside: ${name}`);
    return {
      adapter: createFolderBlobStore(root),
      locationAsKey: relative('/', root).split(sep).join('/'),
      putRaw: (name, body) => put(join(root, ...name.split('/')), body),
      async outside() {
        const files: Record<string, string> = {};
        for (const entry of await readdir(parent, { recursive: true, withFileTypes: true })) {
          const path = join(entry.parentPath, entry.name);
          if (entry.isFile() && !path.startsWith(`${root}${sep}`)) files[relative(parent, path)] = await readFile(path, 'utf8');
        }
        return files;
      },
      stop: () => rm(parent, { recursive: true, force: true }),
    };
  },
};

const s3Store: BlobStoreFactory = {
  name: 'S3 (real S3 client against s3rver on loopback)',
  async start() {
    const buckets = ['policies', 'other'];
    const prefix = 'corp/policies/';
    const s3 = await startLocalS3({ buckets });
    const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    const put = (Bucket: string, Key: string, Body: string) => client.send(new PutObjectCommand({ Bucket, Key, Body }));
    for (const name of OUTSIDE_FILES) await put('policies', `corp/${name}`, `outside: ${name}`);
    await put('other', `${prefix}x.md`, 'outside: the same prefix in another bucket');
    return {
      // No trailing slash: the store adds it, so `corp/policies-archive/` stays outside.
      adapter: createS3BlobStore(client, 'policies', 'corp/policies'),
      locationAsKey: 'corp/policies',
      putRaw: async (name, body) => void (await put('policies', `${prefix}${name}`, body)),
      async outside() {
        const objects: Record<string, string> = {};
        for (const Bucket of buckets) {
          const listed = await client.send(new ListObjectsV2Command({ Bucket }));
          for (const { Key } of listed.Contents ?? []) {
            if (!Key || (Bucket === 'policies' && Key.startsWith(prefix))) continue;
            const object = await client.send(new GetObjectCommand({ Bucket, Key }));
            objects[`${Bucket}/${Key}`] = (await object.Body?.transformToString('utf8')) ?? '';
          }
        }
        return objects;
      },
      async stop() {
        client.destroy();
        await s3.stop();
      },
    };
  },
};

/**
 * Keys that could leave the location (or mean something else to some layer underneath).
 * Every adapter refuses each of them, for reads and writes alike, before touching storage.
 */
const REFUSED_KEYS: readonly (readonly [label: string, key: string])[] = [
  ['a parent segment', '../secrets/keys.md'],
  ['a parent segment after a folder', 'a/../../secrets/keys.md'],
  ['a bare parent', '..'],
  ['a trailing parent', 'a/..'],
  ['a current-folder segment', './top.md'],
  ['an inner current-folder segment', 'a/./b.md'],
  ['an absolute path', '/etc/passwd'],
  ['an absolute path to a neighbour', '/corp/secrets/keys.md'],
  ['a file URL', 'file:///etc/passwd'],
  ['a double slash', 'a//b.md'],
  ['a trailing slash', 'a/'],
  ['backslash parents', '..\\secrets\\keys.md'],
  ['doubled backslash parents', '..\\\\secrets\\\\keys.md'],
  ['slash and backslash mixed', 'a/..\\..\\secrets/keys.md'],
  ['a Windows drive path', 'C:\\Windows\\win.ini'],
  ['a UNC path', '\\\\server\\share\\keys.md'],
  ['a NUL character', 'a.md\u0000../../secrets/keys.md'],
  ['a newline', 'a\n.md'],
  ['a tab', 'a\t.md'],
  ['a terminal escape', '\u001b[2J.md'],
  ['the empty key', ''],
  ['a key over 1024 characters', `${'x'.repeat(1022)}.md`],
];

/**
 * Keys that look like escapes to some other layer (URL decoding, Unicode folding, shells,
 * Windows) but are ordinary names here: each stays a key inside the location.
 */
const INERT_KEYS: readonly (readonly [label: string, key: string])[] = [
  ['a percent-encoded parent', '%2e%2e/secrets/keys.md'],
  ['a percent-encoded slash', '..%2fsecrets%2fkeys.md'],
  ['a percent-encoded backslash', '..%5csecrets%5ckeys.md'],
  ['a double-encoded parent', '%252e%252e/secrets/keys.md'],
  ['three dots', '.../secrets/keys.md'],
  ['dots inside names', 'a..b/..keys.md'],
  ['fullwidth dots', '\uff0e\uff0e/secrets/keys.md'],
  ['one-dot leaders', '\u2024\u2024/secrets/keys.md'],
  ['a tilde', '~/secrets/keys.md'],
  ['a drive letter segment', 'C:/secrets/keys.md'],
  ['dots padded with spaces', ' .. /secrets/keys.md'],
  ['query and fragment characters', 'q?versionId=1#frag.md'],
  // Only C0 controls are refused; these are ordinary characters to both stores.
  ['a DEL character', 'del\u007f.md'],
  ['a C1 control', 'next\u0085line.md'],
  ['a Unicode line separator', 'line\u2028sep.md'],
];

describe.each([folderStore, s3Store])('BlobStore contract: $name', (factory) => {
  let started: StartedStore;
  let store: BlobStore;
  let outsideBefore: Record<string, string>;
  beforeAll(async () => {
    started = await factory.start();
    store = started.adapter;
    outsideBefore = await started.outside();
  });
  afterAll(() => started.stop());

  it('names its location in its description', () => {
    expect(store.description).toContain(started.locationAsKey);
  });

  it('reads back exactly what it wrote, in UTF-8, and overwrites in place', async () => {
    const text = 'Grüße — 漢字 🙂\r\n"quoted" \\ back\nlast line';
    await store.write('rw/a.md', text);
    expect(await store.read('rw/a.md')).toBe(text);
    expect(await store.readOptional('rw/a.md')).toBe(text);
    await store.write('rw/a.md', 'second');
    expect(await store.read('rw/a.md')).toBe('second');
  });

  it('writes a nested key without its folders existing first', async () => {
    await store.write('deep/er/still/b.md', 'nested');
    expect(await store.read('deep/er/still/b.md')).toBe('nested');
  });

  it('rejects reading a missing key and reads it as undefined when optional', async () => {
    const missing = 'missing/nothing.md';
    const error = await store.read(missing).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(KeyOutsideLocationError);
    expect(await store.readOptional(missing)).toBeUndefined();
  });

  it('lists the Markdown and text documents under its location by relative key, and nothing else', async () => {
    for (const key of ['list/one.md', 'list/two.markdown', 'list/three.TXT', 'list/sub/four.md', 'list/five.json', 'list/six.pdf', 'list/seven']) {
      await store.write(key, `inside: ${key}`);
    }
    const entries = await store.list();
    expect(entries.map((entry) => entry.key).filter((key) => key.startsWith('list/')).sort()).toEqual(['list/one.md', 'list/sub/four.md', 'list/three.TXT', 'list/two.markdown']);
    for (const entry of entries) {
      expect(entry.key.startsWith('/') || entry.key.startsWith(started.locationAsKey)).toBe(false);
      expect(entry.etag).toMatch(/\S/);
      // Not toBeInstanceOf(Date): the folder's dates come from Node's own realm, not jest's.
      expect(Math.abs(entry.lastModified.getTime() - Date.now())).toBeLessThan(10 * 60_000);
      expect(await store.read(entry.key)).not.toMatch(/^outside:/);
    }
  });

  it('reads and writes the prebuilt index but never lists it as a document', async () => {
    expect(await store.readOptional(INDEX_KEY)).toBeUndefined();
    await store.write(INDEX_KEY, '{"version":0}');
    expect(await store.readOptional(INDEX_KEY)).toBe('{"version":0}');
    await store.write('_index/notes.md', 'not a policy either');
    expect((await store.list()).filter((entry) => entry.key.startsWith('_index/'))).toEqual([]);
  });

  it('keeps an ETag while a document is untouched and changes it when the document is rewritten', async () => {
    const etagOf = async (key: string) => (await store.list()).find((entry) => entry.key === key)?.etag;
    await store.write('etag/a.md', 'version one');
    const first = await etagOf('etag/a.md');
    expect(first).toBeDefined();
    expect(await etagOf('etag/a.md')).toBe(first);
    // A different length: the folder's ETag stands in with size and modification time.
    await store.write('etag/a.md', 'version two, longer');
    expect(await etagOf('etag/a.md')).not.toBe(first);
  });

  it('takes every key relative to its location: the location spelled inside a key is just a missing key', async () => {
    await store.write('relative.md', 'inside');
    expect(await store.readOptional(`${started.locationAsKey}/relative.md`)).toBeUndefined();
  });

  it('lists a stored name that is not a valid key without failing the listing, and refuses to read it', async () => {
    await started.putRaw('odd\\name.md', 'uploaded by hand');
    await store.write('odd/fine.md', 'fine');
    const keys = (await store.list()).map((entry) => entry.key);
    expect(keys).toEqual(expect.arrayContaining(['odd\\name.md', 'odd/fine.md']));
    await expect(store.read('odd\\name.md')).rejects.toBeInstanceOf(KeyOutsideLocationError);
  });

  it.each(REFUSED_KEYS)('refuses %s for read, readOptional and write, as a rejected promise', async (_label, key) => {
    for (const attempt of [store.read(key), store.readOptional(key), store.write(key, 'escaped')]) {
      const error = await attempt.then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(KeyOutsideLocationError);
      expect((error as Error).message).toMatch(/not inside the policy location/);
    }
    expect(await started.outside()).toEqual(outsideBefore);
  });

  it.each(INERT_KEYS)('keeps %s inside its location as an ordinary key', async (_label, key) => {
    expect(await store.readOptional(key)).toBeUndefined();
    await store.write(key, `inert: ${key}`);
    expect(await store.read(key)).toBe(`inert: ${key}`);
    expect((await store.list()).map((entry) => entry.key)).toContain(key);
    expect(await started.outside()).toEqual(outsideBefore);
  });

  it('has changed nothing outside its location after everything above', async () => {
    expect(await started.outside()).toEqual(outsideBefore);
    expect(Object.keys(outsideBefore).length).toBeGreaterThanOrEqual(OUTSIDE_FILES.length);
  });
});
