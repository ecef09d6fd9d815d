import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createAuditReader, createRecordVerifier, type AuditReader, type AuditReaderOptions, type AuditStore, type RecordVerifier } from '@gmcp/mcp-kit/platform';
import { digestPublicKeyPath, legacyAuditKeyPath, serverAuditKeyDir } from './local-contract';
import { checkDigestIndex, localDigestStore } from './local-digests';

type Env = Record<string, string | undefined>;

/** The state folder's digests, their public key, and the append-only digest index that shows the newest digest removed. */
export function localDigestChecks(env: Env = process.env): Pick<AuditReaderOptions, 'digests' | 'checkIndex'> {
  return {
    digests: { store: localDigestStore(env), publicKey: () => readFile(digestPublicKeyPath(env), 'utf8') },
    checkIndex: (digests) => checkDigestIndex(digests, env),
  };
}

/** The auditors' reader of the local platform: its audit table, every server's keys and the digests of the state folder. */
export async function localAuditReader(store: AuditStore, env: Env = process.env): Promise<AuditReader> {
  return createAuditReader({ store, verifier: await localVerifier(env), ...localDigestChecks(env) });
}

/** Every server's keys in the state folder (never created here: verifying with a new key would call every record tampered). */
export async function localVerifier(env: Env = process.env): Promise<RecordVerifier> {
  const servers = await readdir(dirname(serverAuditKeyDir('any', env)), { withFileTypes: true }).catch(() => []);
  const keys: Record<string, Buffer[]> = {};
  let firstKeyAt = Date.now();
  for (const entry of servers.filter((candidate) => candidate.isDirectory())) {
    const folder = serverAuditKeyDir(entry.name, env);
    keys[entry.name] = await Promise.all(
      (await readdir(folder)).map(async (file) => {
        firstKeyAt = Math.min(firstKeyAt, (await stat(join(folder, file))).mtimeMs);
        return Buffer.from((await readFile(join(folder, file), 'utf8')).trim(), 'base64');
      }),
    );
  }
  const legacy = await readFile(legacyAuditKeyPath(env), 'utf8').then((text) => [Buffer.from(text.trim(), 'base64')], () => []);
  if (Object.keys(keys).length === 0 && legacy.length === 0) {
    throw new Error(`No audit keys under ${dirname(serverAuditKeyDir('any', env))}: the platform has not written any audit record in this state folder yet.`);
  }
  // The shared key of earlier versions counts for records older than the first key per server only.
  return createRecordVerifier(keys, legacy.length ? { keys: legacy, until: new Date(firstKeyAt).toISOString() } : undefined);
}

