import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createAuditDigest, createDynamoDbAuditStore, createDynamoDbClient, createEd25519DigestSigner, createFolderDigestStore, type AuditDigest, type DigestSigner } from '@gmcp/mcp-kit/platform';
import { digestDir, digestKeyPath, digestPublicKeyPath, LOCAL_TABLES } from './local-contract';
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
export async function digestLocalAudit(dynamoDbEndpoint: string, env: Env, settleMs: number): Promise<AuditDigest | undefined> {
  const client = createDynamoDbClient({ region: 'local', endpoint: dynamoDbEndpoint });
  try {
    return await createAuditDigest({
      store: createDynamoDbAuditStore(client, LOCAL_TABLES.audit),
      digests: localDigestStore(env),
      signer: await localDigestSigner(env),
      settleMs,
    });
  } finally {
    client.destroy();
  }
}
