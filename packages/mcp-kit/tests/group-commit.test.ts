import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalDynamoDb, type LocalDynamoDb } from '@gmcp/local-aws';
import { auditTableDefinition, createDynamoDbAuditStore, createDynamoDbClient, createRecordSigner, ensureTables, newEventId, type AuditRecord } from '../src/platform';

const signer = createRecordSigner(Buffer.alloc(32, 9));

function record(index: number): AuditRecord {
  const now = new Date();
  return signer.sign({
    event_id: newEventId(now),
    event: 'tool_allowed',
    time: now.toISOString(),
    server: 'ops-reader',
    server_version: '1',
    request_id: `r-${index}`,
    call_id: String(index),
    tool: 'get_ticket_status',
    source: {},
    decision: 'allowed',
    reason: 'policy_allowed',
  });
}

describe('group commit of audit records (DynamoDB, dynalite)', () => {
  let dir: string;
  let dynamodb: LocalDynamoDb;
  let port: number;
  const operations: string[] = [];
  const start = async () => {
    dynamodb = await startLocalDynamoDb({ path: join(dir, 'store'), ...(port ? { port } : {}) });
    port = Number(new URL(dynamodb.endpoint).port);
  };
  const storeClient = () => {
    const client = createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint });
    client.middlewareStack.add((next, context) => async (args) => (operations.push(String(context.commandName)), next(args)), { step: 'initialize', name: 'countOperations' });
    return client;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gmcp-group-commit-'));
    await start();
    await ensureTables(createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint }), [auditTableDefinition('audit')]);
  });
  afterAll(async () => {
    await dynamodb.stop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => operations.splice(0));

  const stored = async (records: AuditRecord[]) => {
    const store = createDynamoDbAuditStore(createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint }), 'audit');
    const page = await store.query({ since: new Date(Date.now() - 600_000), limit: 1000 });
    const ids = new Set(page.records.map((entry) => entry.event_id));
    return records.filter((entry) => ids.has(entry.event_id));
  };

  it('writes the records of overlapping appends together, losing none, and a lone append at once', async () => {
    const store = createDynamoDbAuditStore(storeClient(), 'audit');
    await store.append(record(0));
    expect(operations).toEqual(['PutItemCommand']);

    const records = Array.from({ length: 40 }, (_, index) => record(index + 1));
    await Promise.all(records.map((entry) => store.append(entry)));
    expect(await stored(records)).toHaveLength(40);
    // The first starts at once; the others, arriving meanwhile, go in batches of at most 25.
    expect(operations.slice(1)).toEqual(['PutItemCommand', 'TransactWriteItemsCommand', 'TransactWriteItemsCommand']);
  });

  it('answers each record of a batch refused for one of them on its own: the new ones written, the taken one refused', async () => {
    const store = createDynamoDbAuditStore(storeClient(), 'audit');
    const taken = record(100);
    await store.append(taken);
    const forged = { ...taken, reason: 'changed' };
    const fresh = [record(101), record(102)];
    const outcomes = await Promise.allSettled([store.append(record(99)), store.append(fresh[0]!), store.append(forged), store.append(fresh[1]!)]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(await stored(fresh)).toHaveLength(2);
  });

  it('never answers "written" for a record that is not, when the store goes away mid-batch', async () => {
    const store = createDynamoDbAuditStore(storeClient(), 'audit');
    const records = Array.from({ length: 60 }, (_, index) => record(200 + index));
    const appends = records.map((entry) => store.append(entry).then(() => 'written', () => 'refused'));
    // Stop the store while the first batches are in flight.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await dynamodb.stop();
    const outcomes = await Promise.all(appends);
    await start();
    const written = records.filter((_, index) => outcomes[index] === 'written');
    expect(outcomes).toContain('refused');
    expect(await stored(written)).toHaveLength(written.length);
  }, 60_000);
});
