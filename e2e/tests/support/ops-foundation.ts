import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateSigningKey, mintAccessToken, startDevIssuer } from '@gmcp/dev-issuer';
import { startLocalDynamoDb } from '@gmcp/local-aws';
import { createPgliteExecutor, openLocalOpsDatabase } from '@gmcp/ops-data';
import { devGroupsOf, governanceFile, localGovernanceEnv, prepareLocalTables, type McpServerName } from '@gmcp/platform';

/** What an ops server under test stands on: a state folder, a dev issuer, dynalite with the platform's tables. */
export interface OpsFoundation {
  readonly stateDir: string;
  readonly dynamoDbEndpoint: string;
  /** The kit's variables for `server`: ephemeral port, the issuer, governance on the local peers. */
  env(server: McpServerName): Record<string, string>;
  token(audience: string, sub: string, scopes: string[]): Promise<string>;
  stop(): Promise<void>;
}

export async function startOpsFoundation(prefix: string): Promise<OpsFoundation> {
  const stateDir = await mkdtemp(join(tmpdir(), prefix));
  const key = await loadOrCreateSigningKey(join(stateDir, 'signing-key.json'));
  const issuer = await startDevIssuer(key, { port: 0 });
  const dynamodb = await startLocalDynamoDb({});
  await prepareLocalTables(dynamodb.endpoint);
  return {
    stateDir,
    dynamoDbEndpoint: dynamodb.endpoint,
    env: (server) => ({
      PORT: '0',
      AUTH_ISSUER: issuer.issuer,
      LOG_LEVEL: 'SILENT',
      ...localGovernanceEnv({ dynamoDbEndpoint: dynamodb.endpoint, auditKey: randomBytes(32).toString('base64'), governanceFile: governanceFile(server) }),
    }),
    token: (audience, sub, scopes) => mintAccessToken(key, { issuer: issuer.issuer, subject: sub, audience, scopes, groups: devGroupsOf(sub), ttlSeconds: 300 }),
    stop: async () => {
      await issuer.stop();
      await dynamodb.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Runs `sql` as the owner of the embedded database a server in this process holds open. */
export async function embeddedOwnerQuery(dataDir: string, sql: string): Promise<readonly Record<string, unknown>[]> {
  const local = await openLocalOpsDatabase({ dataDir });
  try {
    return (await createPgliteExecutor(local.db).query({ sql })).rows;
  } finally {
    await local.release();
  }
}
