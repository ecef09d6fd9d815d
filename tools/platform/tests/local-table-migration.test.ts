import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { startLocalDynamoDb, type LocalDynamoDb } from '@gmcp/local-aws';
import { approvalTableDefinition, createDynamoDbAuditStore, createDynamoDbClient, createRecordSigner, newEventId } from '@gmcp/mcp-kit/platform';
import { migrateLocalAuditTable, migrateLocalTable } from '../src/local-table-migration';

let dynamodb: LocalDynamoDb;
beforeAll(async () => {
  dynamodb = await startLocalDynamoDb({});
});
afterAll(() => dynamodb.stop());

/** The table as states folders created it before keys per server. */
const EARLIER_LAYOUT = {
  TableName: 'audit',
  BillingMode: 'PAY_PER_REQUEST' as const,
  AttributeDefinitions: ['pk', 'sk', 'actor_pk', 'tool_pk'].map((AttributeName) => ({ AttributeName, AttributeType: 'S' as const })),
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' as const },
    { AttributeName: 'sk', KeyType: 'RANGE' as const },
  ],
  GlobalSecondaryIndexes: (['actor', 'tool'] as const).map((name) => ({
    IndexName: `by_${name}`,
    KeySchema: [
      { AttributeName: `${name}_pk`, KeyType: 'HASH' as const },
      { AttributeName: 'sk', KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  })),
};

it('resumes a move interrupted after the old table was dropped, from its dump, and keeps tampered keys as evidence', async () => {
  const client = createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint });
  const signer = createRecordSigner(randomBytes(32));
  const time = new Date(Date.now() - 5000);
  const record = signer.sign({ event_id: newEventId(time), event: 'tool_denied', time: time.toISOString(), server: 'ops-reader', server_version: '1', request_id: 'r', source: {}, decision: 'denied', reason: 'not_allowlisted', tool: 'y', actor: { subject: 'mallory', client_id: 'c' } });
  // Dumped, then the process died: the table is gone. The actor key had been removed to hide the record from queries by actor.
  const dump = join(await mkdtemp(join(tmpdir(), 'migration-')), 'dump.json');
  const stored = { ...record, pk: `DAY#${record.time.slice(0, 10)}`, sk: `${record.time}#${record.event_id}`, tool_pk: 'TOOL#y' };
  await writeFile(dump, JSON.stringify([marshall(stored, { removeUndefinedValues: true })]));
  expect(await migrateLocalAuditTable(client, 'resumed', dump)).toBe(1);
  const { records, anomalies } = await createDynamoDbAuditStore(client, 'resumed').query({ since: new Date(Date.now() - 60_000), limit: 10 });
  expect(records).toEqual([]);
  expect(anomalies).toEqual([expect.objectContaining({ problem: 'keys_do_not_match_content' })]);
  expect(existsSync(dump)).toBe(false);
  client.destroy();
});

it('moves records of the earlier layout to keys per server, unchanged, once', async () => {
  const client = createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint });
  await client.send(new CreateTableCommand(EARLIER_LAYOUT));
  const signer = createRecordSigner(randomBytes(32));
  const records = ['policy-reader', 'ops-writer'].map((server, index) => {
    const time = new Date(Date.now() - (index + 1) * 1000);
    return signer.sign({ event_id: newEventId(time), event: 'tool_denied', time: time.toISOString(), server, server_version: '1', request_id: `r-${index}`, source: {}, decision: 'denied', reason: 'not_allowlisted', tool: 'x' });
  });
  for (const record of records) {
    const day = record.time.slice(0, 10);
    await client.send(new PutItemCommand({ TableName: 'audit', Item: marshall({ ...record, pk: `DAY#${day}`, sk: `${record.time}#${record.event_id}`, tool_pk: 'TOOL#x' }, { removeUndefinedValues: true }) }));
  }

  const dump = join(await mkdtemp(join(tmpdir(), 'migration-')), 'dump.json');
  expect(await migrateLocalAuditTable(client, 'audit', dump)).toBe(2);
  const { records: found, anomalies } = await createDynamoDbAuditStore(client, 'audit').query({ since: new Date(Date.now() - 60_000), limit: 10 });
  expect(anomalies).toEqual([]);
  expect(found).toEqual([...records].sort((a, b) => b.time.localeCompare(a.time)));
  expect(found.every((record) => signer.verify(record))).toBe(true);
  expect(await migrateLocalAuditTable(client, 'audit', dump)).toBe(0);
  client.destroy();
});

it('rebuilds an approvals table made before the by_requester index, keeping its requests', async () => {
  const client = createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint });
  const current = approvalTableDefinition('approvals_earlier');
  await client.send(new CreateTableCommand({ ...current, GlobalSecondaryIndexes: current.GlobalSecondaryIndexes!.filter((index) => index.IndexName === 'by_status') }));
  const item = { approval_id: '11111111-1111-4111-8111-111111111111', status: 'pending', requester: 'alice', requested_at: '2026-12-01T10:00:00.000Z', tool: 'resolve_incident' };
  await client.send(new PutItemCommand({ TableName: 'approvals_earlier', Item: marshall(item) }));
  const dump = join(await mkdtemp(join(tmpdir(), 'approvals-migration-')), 'approvals-migration.json');

  expect(await migrateLocalTable(client, current, dump)).toBe(1);
  expect(existsSync(dump)).toBe(false);
  const { Items } = await client.send(new QueryCommand({ TableName: 'approvals_earlier', IndexName: 'by_requester', KeyConditionExpression: 'requester = :r', ExpressionAttributeValues: marshall({ ':r': 'alice' }) }));
  expect(Items!.map((stored) => unmarshall(stored))).toEqual([item]);
  // Once rebuilt, a start moves nothing.
  expect(await migrateLocalTable(client, current, dump)).toBe(0);
});
