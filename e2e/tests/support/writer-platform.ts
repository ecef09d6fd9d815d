import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createDynamoDbAuditStore, createDynamoDbClient, type AuditStore, type RunningService } from '@gmcp/mcp-kit/platform';
import { opsWriterServer } from '@gmcp/ops-writer';
import { LOCAL_TABLES } from '@gmcp/platform';
import { embeddedOwnerQuery, startOpsFoundation } from './ops-foundation';

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

/** `env` adds to (or overrides) the writer's variables, e.g. CALL_POLICIES_FILE. */
export async function startWriterPlatform(env: Record<string, string> = {}): Promise<WriterPlatform> {
  const foundation = await startOpsFoundation('gmcp-writer-e2e-');
  const dataDir = join(foundation.stateDir, 'ops-db');
  const writer = await opsWriterServer
    .start({
      ...foundation.env('ops-writer'),
      APPROVAL_HMAC_KEY: randomBytes(32).toString('base64'),
      APPROVAL_TABLE: LOCAL_TABLES.approvals,
      OPS_DATABASE: 'embedded',
      OPS_DATA_DIR: dataDir,
      ...env,
    })
    .catch(async (error: unknown) => {
      await foundation.stop();
      throw error;
    });
  const client = createDynamoDbClient({ region: 'local', endpoint: foundation.dynamoDbEndpoint });
  const token = (sub: string, scopes: string[]) => foundation.token(writer.url, sub, scopes);
  return {
    writer,
    auditStore: createDynamoDbAuditStore(client, LOCAL_TABLES.audit),
    ownerQuery: (sql) => embeddedOwnerQuery(dataDir, sql),
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
      await foundation.stop();
    },
  };
}
