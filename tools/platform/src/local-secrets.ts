import { randomBytes, randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A random key kept in the state folder (generated on first use), returned as base64. */
export function loadOrCreateKey(path: string, bytes = 32): Promise<string> {
  return loadOrCreateSecret(path, () => randomBytes(bytes).toString('base64'));
}

/** A secret kept in the state folder, made by `generate` on first use. */
export async function loadOrCreateSecret(path: string, generate: () => string): Promise<string> {
  const existing = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing) return existing.trim();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // Whole file first, then linked into place, so that concurrent first runs agree on one key.
  const temporary = `${path}.${randomUUID()}.tmp`;
  await writeFile(temporary, generate(), { mode: 0o600 });
  await link(temporary, path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  await rm(temporary, { force: true });
  return (await readFile(path, 'utf8')).trim();
}
