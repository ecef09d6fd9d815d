import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { z } from 'zod';

export const SIGNING_ALGORITHM = 'RS256';

/** The development issuer's key pair; the private half never leaves the local state folder. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
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
  await writeFile(path, JSON.stringify({ kid, privateJwk }, null, 2), { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  // Another process may have won the race to create the key; whichever file landed is the key.
  const landed = await readStoredKey(path);
  if (!landed) throw new Error(`Could not create the development signing key at ${path}`);
  return fromPrivateJwk(landed.kid, landed.privateJwk as JWK);
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
  return { kid, privateKey, publicJwk: { kty, n, e, kid, alg: SIGNING_ALGORITHM, use: 'sig' } };
}
