import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { NotFoundError } from '@gmcp/mcp-kit';
import type { BlobEntry, BlobStore } from './blob-store';

const DOCUMENT = /\.(md|markdown|txt)$/i;

/** The local blob store: documents in a folder. Keys cannot leave the folder. */
export function createFolderBlobStore(root: string): BlobStore {
  const base = resolve(root);

  const confine = (key: string): string => {
    const path = resolve(base, key);
    if (path !== base && !path.startsWith(base + sep)) throw new NotFoundError(`No policy document at "${key}"`);
    return path;
  };

  return {
    async list() {
      const files = (await readdir(base, { recursive: true })).filter((name) => DOCUMENT.test(name)).sort();
      return Promise.all(files.map(async (name): Promise<BlobEntry> => {
        const path = join(base, name);
        const [info, content] = await Promise.all([stat(path), readFile(path)]);
        return { key: relative(base, path).split(sep).join('/'), etag: createHash('sha256').update(content).digest('hex'), lastModified: info.mtime };
      }));
    },
    async read(key) {
      return readFile(confine(key), 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') throw new NotFoundError(`No policy document at "${key}"`);
        throw error;
      });
    },
  };
}
