import { approvalTableDefinition, auditTableDefinition, createDynamoDbClient, ensureTables, rateLimitTableDefinition } from '@gmcp/mcp-kit/platform';
import { startLocalDynamoDb, startLocalDynamoDbProcess, type LocalDynamoDb } from '@gmcp/local-aws';
import { resolve } from 'node:path';
import { migrateLocalAuditTable, migrateLocalTable } from './local-table-migration';
import { dynamoDbDataDir, LOCAL_TABLES, localDynamoDbEndpoint, localPort } from './local-contract';

type Env = Record<string, string | undefined>;

/**
 * The variables that point a server's governance at local peers: its audit store, key and policy
 * file. With `auditDir`, records go to the embedded store's day files there (what `npm start`
 * does); without it, to the audit table of the local DynamoDB (tests of the AWS adapter end to end).
 */
export function localGovernanceEnv(settings: { dynamoDbEndpoint: string; auditKey: string; governanceFile: string; auditDir?: string }): Record<string, string> {
  return {
    AWS_REGION: 'local',
    DYNAMODB_ENDPOINT: settings.dynamoDbEndpoint,
    ...(settings.auditDir ? { AUDIT_STORE: 'file', AUDIT_DIR: settings.auditDir } : { AUDIT_STORE: 'dynamodb' }),
    AUDIT_TABLE: LOCAL_TABLES.audit,
    AUDIT_HMAC_KEY: settings.auditKey,
    RATE_LIMIT_STORE: 'memory',
    GOVERNANCE_SOURCE: 'file',
    GOVERNANCE_FILE: settings.governanceFile,
  };
}

/** Creates the platform's tables on a local DynamoDB endpoint if they are missing (and, in a state folder's store, moves an audit table of the earlier layout). */
export async function prepareLocalTables(endpoint: string, stateEnv?: Env): Promise<void> {
  const client = createDynamoDbClient({ region: 'local', endpoint });
  // Only the state folder's own store can hold an audit table of the earlier layout.
  const moved = stateEnv ? await migrateLocalAuditTable(client, LOCAL_TABLES.audit, resolve(dynamoDbDataDir(stateEnv), '..', 'audit-migration.json')) : 0;
  if (moved > 0) console.error(`Moved ${moved} local audit record(s) to the table's new layout (keys per server).`);
  if (stateEnv) await migrateLocalTable(client, approvalTableDefinition(LOCAL_TABLES.approvals), resolve(dynamoDbDataDir(stateEnv), '..', 'approvals-migration.json'));
  await ensureTables(client, [auditTableDefinition(LOCAL_TABLES.audit), rateLimitTableDefinition(LOCAL_TABLES.rateLimits), approvalTableDefinition(LOCAL_TABLES.approvals)]);
  client.destroy();
}

/** dynalite on its local-contract port (or the one given), persisting under the state folder, with tables ready. */
export async function startPlatformDynamoDb(env: Env, port: number = localPort('local-dynamodb', env)): Promise<LocalDynamoDb> {
  const dynamodb = await startLocalDynamoDbProcess({ port, path: dynamoDbDataDir(env) });
  await prepareLocalTables(dynamodb.endpoint, env);
  return dynamodb;
}

/**
 * The local audit store for a command-line tool: the running platform's endpoint if
 * there is one, otherwise dynalite opened on the same data folder for the command's
 * duration (LevelDB allows one process at a time).
 */
export async function connectLocalDynamoDb(env: Env): Promise<{ endpoint: string; close(): Promise<void> }> {
  const endpoint = localDynamoDbEndpoint(env);
  const running = await fetch(endpoint, { method: 'POST', signal: AbortSignal.timeout(1000) }).then(
    () => true,
    () => false,
  );
  if (running) return { endpoint, close: async () => undefined };
  const dynamodb = await startLocalDynamoDb({ path: dynamoDbDataDir(env) });
  await prepareLocalTables(dynamodb.endpoint, env);
  return { endpoint: dynamodb.endpoint, close: () => dynamodb.stop() };
}
