import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { startLocalDynamoDb, type LocalDynamoDb } from '@gmcp/local-aws';
import { createDynamoDbAuditStore, createDynamoDbClient, createRecordSigner, newEventId, type AuditRecord } from '@gmcp/mcp-kit/platform';
import { openLocalAuditStore } from '../src/local-audit-import';
import { prepareLocalTables } from '../src/local-aws';
import { LOCAL_TABLES } from '../src/local-contract';

let dynamodb: LocalDynamoDb;
let stateDir: string;
beforeAll(async () => {
  dynamodb = await startLocalDynamoDb({});
  await prepareLocalTables(dynamodb.endpoint);
  stateDir = await mkdtemp(join(tmpdir(), 'gmcp-audit-import-'));
});
afterAll(async () => {
  await dynamodb.stop();
  await rm(stateDir, { recursive: true, force: true });
});

const signer = createRecordSigner(randomBytes(32));
const recordAt = (time: Date): AuditRecord =>
  signer.sign({
    event_id: newEventId(time),
    event: 'tool_allowed',
    time: time.toISOString(),
    server: 'policy-reader',
    server_version: '1.0.0',
    request_id: `req-${time.getTime()}`,
    tool: 'search_policies',
    actor: { subject: 'alice', client_id: 'cli' },
    source: {},
    decision: 'allowed',
    reason: 'policy_allowed',
  });

it('copies the local table’s records into the day files once, as they are, and names the items that are no longer records', async () => {
  const client = createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint });
  const table = createDynamoDbAuditStore(client, LOCAL_TABLES.audit);
  const earlier = [recordAt(new Date(Date.now() - 2 * 86_400_000)), recordAt(new Date(Date.now() - 60_000))];
  for (const record of earlier) await table.append(record);
  await client.send(new PutItemCommand({ TableName: LOCAL_TABLES.audit, Item: marshall({ pk: 'policy-reader#2026-01-01', sk: 'junk', decision: 'maybe' }) }));
  const env = { GMCP_STATE_DIR: stateDir };
  const reports: string[] = [];

  const store = await openLocalAuditStore(dynamodb.endpoint, env, (message) => reports.push(message));
  const { records } = await store.query({ since: new Date(Date.now() - 3 * 86_400_000), limit: 10 });
  expect(records).toEqual([...earlier].reverse());
  expect(records.every((record) => signer.verify(record))).toBe(true);
  expect(reports).toEqual([expect.stringMatching(/^Copied 2 audit record\(s\)/), expect.stringContaining('policy-reader#2026-01-01 / junk')]);

  // Once copied, never again: a record added to the table later stays there.
  await table.append(recordAt(new Date(Date.now() - 30_000)));
  await openLocalAuditStore(dynamodb.endpoint, env, (message) => reports.push(message));
  expect((await store.query({ since: new Date(Date.now() - 3 * 86_400_000), limit: 10 })).records).toHaveLength(2);
  expect(reports).toHaveLength(2);
  client.destroy();
});
