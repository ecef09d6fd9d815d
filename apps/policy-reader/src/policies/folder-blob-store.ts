import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { assertConfinedKey, DOCUMENT_KEY, type BlobEntry, type BlobStore } from './blob-store';

/** The local blob store: documents in a folder. Keys cannot leave the folder. */
export function createFolderBlobStore(root: string): BlobStore {
  const base = resolve(root);
  const pathOf = (key: string) => {
    assertConfinedKey(key);
    return join(base, ...key.split('/'));
  };
  const readIfExists = (path: string) =>
    readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });

  return {
    description: `folder ${base}`,
    async list() {
      const files = (await readdir(base, { recursive: true }))
        .map((name) => name.split(sep).join('/'))
        .filter((key) => DOCUMENT_KEY.test(key) && !key.startsWith('_index/'))
        .sort();
      return Promise.all(
        files.map(async (key): Promise<BlobEntry> => {
          // Listed names are inside the folder already. One that is not a valid key (a backslash or a
          // control character in a file name) is listed and refused when read, as in S3, rather than failing the list.
          const info = await stat(join(base, ...key.split('/')));
          // Size and modification time stand in for S3's ETag: a change shows without reading the file.
          return { key, etag: `${info.size}-${Math.trunc(info.mtimeMs)}`, lastModified: info.mtime };
        }),
      );
    },
    async read(key) {
      const text = await readIfExists(pathOf(key));
      if (text === undefined) throw new Error(`No object at "${key}"`);
      return text;
    },
    // async: a refused key rejects the promise, as every other method does, instead of throwing.
    readOptional: async (key) => readIfExists(pathOf(key)),
    async write(key, body) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, body);
    },
  };
}

