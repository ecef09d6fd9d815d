import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digestKey, parseDigest, type DigestStore } from './digest-store';

/** Local mode: one JSON file per digest. */
export function createFolderDigestStore(dir: string): DigestStore {
  const files = async () => {
    const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : Promise.reject(error)));
    return names.filter((name) => name.endsWith('.json')).sort();
  };
  const read = async (name: string) => parseDigest(await readFile(join(dir, name), 'utf8'), join(dir, name));
  return {
    description: dir,
    async list() {
      return Promise.all((await files()).map(read));
    },
    async latest() {
      const last = (await files()).at(-1);
      return last === undefined ? undefined : read(last);
    },
    async put(digest) {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, digestKey(digest)), `${JSON.stringify(digest)}\n`, { flag: 'wx' });
    },
  };
}
