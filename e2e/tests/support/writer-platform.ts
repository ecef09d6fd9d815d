import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateSigningKey, mintAccessToken } from '@gmcp/dev-issuer';
import { startDevIssuer } from '@gmcp/dev-issuer';
import { startLocalDynamoDb } from '@gmcp/local-aws';
import { createDynamoDbAuditStore, createDynamoDbClient, type AuditStore, type RunningService } from '@gmcp/mcp-kit';
import { createPgliteExecutor, openLocalOpsDatabase } from '@gmcp/ops-data';
import { startOpsWriter } from '@gmcp/ops-writer';
import { governanceFile, LOCAL_TABLES, localGovernanceEnv, prepareLocalTables } from '@gmcp/platform';

/** The writer on an ephemeral port with its embedded database, approvals and audit on dynalite. */
export interface WriterPlatform {
  writer: RunningService;
  auditStore: AuditStore;
  ownerQuery(sql: string): Promise<readonly Record<string, unknown>[]>;
  token(sub: string, scopes: string[]): Promise<string>;
  /** Calls the approval API as `sub`. */
  approvalApi(sub: string, method: 'GET' | 'POST', path: string, body?: unknown, scopes?: string[]): Promise<{ status: number; body: Record<string, unknown> }>;
  stop(): Promise<void>;
}

export async function startWriterPlatform(): Promise<WriterPlatform> {
  const stateDir = await mkdtemp(join(tmpdir(), 'gmcp-writer-e2e-'));
  const key = await loadOrCreateSigningKey(join(stateDir, 'signing-key.json'));
  const issuer = await startDevIssuer(key, { port: 0 });
  const dynamodb = await startLocalDynamoDb({});
  await prepareLocalTables(dynamodb.endpoint);
  const dataDir = join(stateDir, 'ops-db');
  const writer = await startOpsWriter({
    PORT: '0',
    AUTH_ISSUER: issuer.issuer,
    LOG_LEVEL: 'SILENT',
    ...localGovernanceEnv({ dynamoDbEndpoint: dynamodb.endpoint, auditKey: randomBytes(32).toString('base64'), governanceFile: governanceFile('ops-writer') }),
    APPROVAL_HMAC_KEY: randomBytes(32).toString('base64'),
    APPROVAL_TABLE: LOCAL_TABLES.approvals,
    OPS_DATABASE: 'embedded',
    OPS_DATA_DIR: dataDir,
  });
  const client = createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint });
  const token = (sub: string, scopes: string[]) => mintAccessToken(key, { issuer: issuer.issuer, subject: sub, audience: writer.url, scopes, ttlSeconds: 300 });
  return {
    writer,
    auditStore: createDynamoDbAuditStore(client, LOCAL_TABLES.audit),
    ownerQuery: async (sql) => {
      const local = await openLocalOpsDatabase({ dataDir });
      try {
        return (await createPgliteExecutor(local.db).query({ sql })).rows;
      } finally {
        await local.release();
      }
    },
    token,
    approvalApi: async (sub, method, path, body, scopes = ['approvals:decide']) => {
      const response = await fetch(new URL(`/approvals${path}`, writer.url), {
        method,
        headers: { Authorization: `Bearer ${await token(sub, scopes)}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    stop: async () => {
      client.destroy();
      await writer.stop();
      await issuer.stop();
      await dynamodb.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
