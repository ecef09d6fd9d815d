import { generateKeyPairSync } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  createAuditDigest,
  createEd25519DigestSigner,
  createFileAuditStore,
  createFolderDigestStore,
  digestHash,
  type AuditDigest,
  type DigestSigner,
} from '@gmcp/mcp-kit/platform';
import { auditRecordsDir, digestDir, digestIndexPath, digestKeyPath, digestPublicKeyPath } from './local-contract';
import { loadOrCreateSecret } from './local-secrets';

type Env = Record<string, string | undefined>;

/** The local digest signer: an Ed25519 key in the state folder, its public key published beside it. */
export async function localDigestSigner(env: Env = process.env): Promise<DigestSigner> {
  const pem = await loadOrCreateSecret(digestKeyPath(env), () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const signer = createEd25519DigestSigner(pem);
  await writeFile(digestPublicKeyPath(env), await signer.publicKeyPem());
  return signer;
}

export const localDigestStore = (env: Env = process.env) => createFolderDigestStore(digestDir(env));

/**
 * Digests what the local audit store holds since the last digest (on demand, and when
 * `npm start` stops). `settleMs` 0 once every server has stopped writing.
 */
export async function digestLocalAudit(env: Env, settleMs: number): Promise<AuditDigest | undefined> {
  const digest = await createAuditDigest({
    store: createFileAuditStore(auditRecordsDir(env)),
    digests: localDigestStore(env),
    signer: await localDigestSigner(env),
    settleMs,
  });
  if (digest) await listInDigestIndex(digest, env);
  return digest;
}

const indexLine = (digest: AuditDigest) => `${digest.range.end} ${digestHash(digest)}\n`;

/**
 * Appends a new digest's hash to the index (opened for appending only). The index is started
 * here only with the chain's first digest: with earlier digests and no index (removed, or a state
 * folder from before it) nothing is rebuilt silently, since a rebuilt index would hide what was
 * removed with it; `verify` keeps reporting it until `npm run audit -- start-index` says to trust
 * the digests as they are.
 */
export async function listInDigestIndex(digest: AuditDigest, env: Env = process.env): Promise<void> {
  if (await readIndex(env)) return appendFile(digestIndexPath(env), indexLine(digest), { flag: 'a' });
  const digests = await localDigestStore(env).list();
  if (digests.length === 1 && digestHash(digests[0]!) === digestHash(digest)) return void (await startDigestIndex(env));
  console.error(`The digest index ${digestIndexPath(env)} is missing while digests exist: not rebuilt (npm run audit -- verify, then npm run audit -- start-index).`);
}

/** Lists every digest there is now in a new index: trusting them as they are (refused when an index exists). */
export async function startDigestIndex(env: Env = process.env): Promise<number> {
  const digests = await localDigestStore(env).list();
  await mkdir(dirname(digestIndexPath(env)), { recursive: true });
  await writeFile(digestIndexPath(env), digests.map(indexLine).join(''), { flag: 'wx' });
  return digests.length;
}

async function readIndex(env: Env): Promise<{ end: string; hash: string }[] | undefined> {
  const text = await readFile(digestIndexPath(env), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  return text
    ?.split('\n')
    .filter(Boolean)
    .map((line) => {
      const [end = '', hash = ''] = line.split(' ');
      return { end, hash };
    });
}

/**
 * Holds the digests to the index: a digest listed there but gone (removed together with the
 * records of its range, which the chain alone cannot show for the newest one), or a digest
 * that is not listed (put there by hand), is reported.
 */
export async function checkDigestIndex(digests: readonly AuditDigest[], env: Env = process.env): Promise<string[]> {
  const index = await readIndex(env);
  if (!index) {
    return digests.length > 0 ? [`digest_index_missing: ${digestIndexPath(env)} lists every digest written: removed, or a state folder from before it (npm run audit -- start-index trusts the digests as they are)`] : [];
  }
  const present = new Set(digests.map(digestHash));
  const listed = new Set(index.map((entry) => entry.hash));
  return [
    ...index.filter((entry) => !present.has(entry.hash)).map((entry) => `digest_removed: the digest of the range ending ${entry.end} is in the index but not among the digests`),
    ...digests.filter((digest) => !listed.has(digestHash(digest))).map((digest) => `digest_unlisted: the digest of the range ending ${digest.range.end} is not in the index`),
  ];
}
