import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { startLocalDynamoDb, type LocalDynamoDb } from '@gmcp/local-aws';
import { createDynamoDbAuditStore, createDynamoDbClient, createRecordSigner, newEventId } from '@gmcp/mcp-kit/platform';
import { migrateLocalAuditTable } from '../src/local-audit-migration';

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
