import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateSigningKey, mintAccessToken, startDevIssuer, type DevIssuer, type SigningKey } from '@gmcp/dev-issuer';
import { createPolicyLibrary, policyReaderServer, policyStoreFrom } from '@gmcp/policy-reader';
import { createDynamoDbAuditStore, createDynamoDbClient, createLogger, type AuditStore, type RunningService } from '@gmcp/mcp-kit/platform';
import { startLocalDynamoDb, type LocalDynamoDb } from '@gmcp/local-aws';
import { devGroupsOf, governanceFile, LOCAL_TABLES, localGovernanceEnv, prepareLocalTables } from '@gmcp/platform';

/**
 * A dev issuer, an in-memory local DynamoDB and the policy reader, on ephemeral loopback
 * ports, with a counter on the tools' data access and the audit store at hand.
 */
export interface LocalPlatform {
  issuer: DevIssuer;
  key: SigningKey;
  policyReader: RunningService;
  dynamodb: LocalDynamoDb;
  /** Stops the local DynamoDB (an outage of the audit store). */
  stopDynamoDb(): Promise<void>;
  /** Starts it again on the same port and data folder. */
  startDynamoDb(): Promise<void>;
  auditStore: AuditStore;
  auditKey: Buffer;
  /** The policy reader's governance file (a copy the test may edit). */
  governanceFile: string;
  /** How many times a tool handler reached the policy library. */
  libraryCalls(): number;
  token(options?: { sub?: string; scopes?: string[]; audience?: string; ttlSeconds?: number }): Promise<string>;
  stop(): Promise<void>;
}

export async function startLocalPlatform(overrides: Record<string, string> = {}): Promise<LocalPlatform> {
  const stateDir = await mkdtemp(join(tmpdir(), 'gmcp-e2e-'));
  const key = await loadOrCreateSigningKey(join(stateDir, 'signing-key.json'));
  const issuer = await startDevIssuer(key, { port: 0 });
  const dynamoPath = join(stateDir, 'dynamodb');
  let dynamodb = await startLocalDynamoDb({ path: dynamoPath });
  const dynamoPort = Number(new URL(dynamodb.endpoint).port);
  await prepareLocalTables(dynamodb.endpoint);
  const policyFile = join(stateDir, 'policy-reader.json');
  await copyFile(governanceFile('policy-reader'), policyFile);
  const auditKey = randomBytes(32);

  const env = {
    PORT: '0',
    AUTH_ISSUER: issuer.issuer,
    LOG_LEVEL: 'SILENT',
    ...localGovernanceEnv({ dynamoDbEndpoint: dynamodb.endpoint, auditKey: auditKey.toString('base64'), governanceFile: policyFile }),
    ...overrides,
  };
  const library = createPolicyLibrary(policyStoreFrom(policyReaderServer.parseEnv(env)), { refreshMs: 60_000, logger: createLogger('e2e', 'SILENT') });
  let calls = 0;
  const policyReader = await policyReaderServer.start(env, {
    deps: {
      library: () => {
        calls += 1;
        return library.current();
      },
    },
  });
  calls = 0;
  const client = createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint });

  return {
    issuer,
    key,
    policyReader,
    get dynamodb() {
      return dynamodb;
    },
    stopDynamoDb: () => dynamodb.stop(),
    startDynamoDb: async () => {
      dynamodb = await startLocalDynamoDb({ port: dynamoPort, path: dynamoPath });
    },
    auditStore: createDynamoDbAuditStore(client, LOCAL_TABLES.audit),
    auditKey,
    governanceFile: policyFile,
    libraryCalls: () => calls,
    token: ({ sub = 'alice', scopes = ['policies:read'], audience = policyReader.url, ttlSeconds = 300 } = {}) =>
      mintAccessToken(key, { issuer: issuer.issuer, subject: sub, audience, scopes, groups: devGroupsOf(sub), ttlSeconds }),
    stop: async () => {
      client.destroy();
      await policyReader.stop();
      await issuer.stop();
      await dynamodb.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
