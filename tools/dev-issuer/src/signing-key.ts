import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { z } from 'zod';

export const SIGNING_ALGORITHM = 'RS256';

/** The development issuer's key pair; the private half never leaves the local state folder. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  /** The private half as a JWK, for the authorization server that signs with it. */
  readonly privateJwk: JWK;
}

const StoredKey = z.object({ kid: z.string().min(1), privateJwk: z.record(z.string(), z.unknown()) });

/** Loads the key from `path`, generating and saving a new RS256 pair on first run. */
export async function loadOrCreateSigningKey(path: string): Promise<SigningKey> {
  const stored = await readStoredKey(path);
  if (stored) return fromPrivateJwk(stored.kid, stored.privateJwk as JWK);

  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true, modulusLength: 2048 });
  const privateJwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(privateJwk);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // Written whole to a temporary file, then linked into place: a reader never sees half a key,
  // and if another process won the race to create the key, its file stays the key.
  const temporary = `${path}.${randomUUID()}.tmp`;
  await writeFile(temporary, JSON.stringify({ kid, privateJwk }, null, 2), { mode: 0o600 });
  await link(temporary, path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  await rm(temporary, { force: true });
  const landed = await readStoredKey(path);
  if (!landed) throw new Error(`Could not create the development signing key at ${path}`);
  return fromPrivateJwk(landed.kid, landed.privateJwk as JWK);
}

/** The key at `path`, or undefined when there is none yet (nothing is created). */
export async function readSigningKey(path: string): Promise<SigningKey | undefined> {
  const stored = await readStoredKey(path);
  return stored ? fromPrivateJwk(stored.kid, stored.privateJwk as JWK) : undefined;
}

async function readStoredKey(path: string): Promise<z.output<typeof StoredKey> | undefined> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  return StoredKey.parse(JSON.parse(text));
}

async function fromPrivateJwk(kid: string, privateJwk: JWK): Promise<SigningKey> {
  const privateKey = (await importJWK({ ...privateJwk, alg: SIGNING_ALGORITHM }, SIGNING_ALGORITHM)) as CryptoKey;
  const { kty, n, e } = privateJwk;
  const labels = { kid, alg: SIGNING_ALGORITHM, use: 'sig' };
  return { kid, privateKey, publicJwk: { kty, n, e, ...labels }, privateJwk: { ...privateJwk, ...labels } };
}
