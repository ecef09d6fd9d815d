import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { loadOrCreateSigningKey, mintAccessToken, startDevIssuer, type DevIssuer, type SigningKey } from '@gmcp/dev-issuer';
import { startDataApiTestEndpoint, startLocalDynamoDb, type DataApiTestEndpoint, type LocalDynamoDb } from '@gmcp/local-aws';
import type { RunningService } from '@gmcp/mcp-kit';
import { createLogin, createPgliteExecutor, migrate, openLocalOpsDatabase, seedDatabase } from '@gmcp/ops-data';
import { startOpsReader } from '@gmcp/ops-reader';
import { governanceFile, localGovernanceEnv, prepareLocalTables } from '@gmcp/platform';

export type OpsBackend = 'embedded' | 'data-api';

export const READER_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:gmcp/ops-reader-AbCdEf';
export const CLUSTER_ARN = 'arn:aws:rds:us-east-1:000000000000:cluster:gmcp-ops';

/**
 * The tickets/incidents reader on an ephemeral port, backed either by the embedded
 * database (local mode) or by the Data API adapter talking to a protocol-faithful Data
 * API endpoint over PGlite, with the reader logged in as its own SELECT-only user.
 */
export interface OpsPlatform {
  reader: RunningService;
  /** The database the reader reads, as its owner (to check that nothing changed). */
  ownerQuery(sql: string): Promise<readonly unknown[]>;
  dataApi?: DataApiTestEndpoint;
  token(options?: { sub?: string; scopes?: string[] }): Promise<string>;
  stop(): Promise<void>;
}

export async function startOpsPlatform(backend: OpsBackend): Promise<OpsPlatform> {
  const stateDir = await mkdtemp(join(tmpdir(), 'gmcp-ops-e2e-'));
  const key: SigningKey = await loadOrCreateSigningKey(join(stateDir, 'signing-key.json'));
  const issuer: DevIssuer = await startDevIssuer(key, { port: 0 });
  const dynamodb: LocalDynamoDb = await startLocalDynamoDb({});
  await prepareLocalTables(dynamodb.endpoint);
  const env: Record<string, string> = {
    PORT: '0',
    AUTH_ISSUER: issuer.issuer,
    LOG_LEVEL: 'SILENT',
    ...localGovernanceEnv({ dynamoDbEndpoint: dynamodb.endpoint, auditKey: randomBytes(32).toString('base64'), governanceFile: governanceFile('ops-reader') }),
  };

  const db = backend === 'data-api' ? new PGlite() : undefined;
  let dataApi: DataApiTestEndpoint | undefined;
  if (db) {
    const owner = createPgliteExecutor(db);
    await migrate(owner);
    await seedDatabase(owner, { now: new Date() });
    await createLogin(owner, 'reader', 'ops_reader');
    dataApi = await startDataApiTestEndpoint({ db, resourceArn: CLUSTER_ARN, secrets: { [READER_SECRET_ARN]: { user: 'ops_reader' } } });
    Object.assign(env, {
      OPS_DATABASE: 'data-api',
      DATA_API_RESOURCE_ARN: CLUSTER_ARN,
      DATA_API_SECRET_ARN: READER_SECRET_ARN,
      RDS_DATA_ENDPOINT: dataApi.endpoint,
      DATA_API_RESUME_BUDGET_SECONDS: '5',
    });
  } else {
    Object.assign(env, { OPS_DATABASE: 'embedded', OPS_DATA_DIR: join(stateDir, 'ops-db') });
  }
  const reader = await startOpsReader(env);
  const ownerQuery = async (sql: string) => {
    if (db) return (await createPgliteExecutor(db).query({ sql })).rows;
    // The reader holds the embedded database open; this process shares that instance.
    const local = await openLocalOpsDatabase({ dataDir: env.OPS_DATA_DIR });
    try {
      return (await createPgliteExecutor(local.db).query({ sql })).rows;
    } finally {
      await local.release();
    }
  };

  return {
    reader,
    ownerQuery,
    dataApi,
    token: ({ sub = 'alice', scopes = ['tickets:read', 'incidents:read'] } = {}) =>
      mintAccessToken(key, { issuer: issuer.issuer, subject: sub, audience: reader.url, scopes, ttlSeconds: 300 }),
    stop: async () => {
      await reader.stop();
      await dataApi?.stop();
      await db?.close();
      await issuer.stop();
      await dynamodb.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
