import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateSigningKey, mintAccessToken, startDevIssuer, type DevIssuer, type SigningKey } from '@gmcp/dev-issuer';
import { createFolderBlobStore, libraryFrom, PolicyReaderEnv, startPolicyReader } from '@gmcp/policy-reader';
import type { RunningService } from '@gmcp/mcp-kit';

/** A dev issuer and the policy reader on ephemeral loopback ports, with a counter on the tools' data access. */
export interface LocalPlatform {
  issuer: DevIssuer;
  key: SigningKey;
  policyReader: RunningService;
  /** How many times a tool handler reached the policy library. */
  libraryCalls(): number;
  token(options?: { sub?: string; scopes?: string[]; audience?: string; ttlSeconds?: number }): Promise<string>;
  stop(): Promise<void>;
}

export async function startLocalPlatform(): Promise<LocalPlatform> {
  const stateDir = await mkdtemp(join(tmpdir(), 'gmcp-e2e-'));
  const key = await loadOrCreateSigningKey(join(stateDir, 'signing-key.json'));
  const issuer = await startDevIssuer(key, { port: 0 });

  const env = { PORT: '0', AUTH_ISSUER: issuer.issuer, LOG_LEVEL: 'SILENT' };
  const load = libraryFrom(createFolderBlobStore(PolicyReaderEnv.parse(env).POLICY_CORPUS_DIR));
  let calls = 0;
  const policyReader = await startPolicyReader(env, {
    library: () => {
      calls += 1;
      return load();
    },
  });
  calls = 0;

  return {
    issuer,
    key,
    policyReader,
    libraryCalls: () => calls,
    token: ({ sub = 'alice', scopes = ['policies:read'], audience = policyReader.url, ttlSeconds = 300 } = {}) =>
      mintAccessToken(key, { issuer: issuer.issuer, subject: sub, audience, scopes, ttlSeconds }),
    stop: async () => {
      await policyReader.stop();
      await issuer.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
