import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { MCP_HEADERS, rpc, startTestGovernance, startTestIssuer, testConfig, testService, type Probe, type TestGovernance, type TestIssuer } from './support/harness';
import {
  auditTableDefinition,
  checkWriterChains,
  createAuditTrail,
  createDynamoDbAuditStore,
  createDynamoDbCallAdmission,
  createDynamoDbClient,
  createDynamoDbRateLimiter,
  createLogger,
  createMemoryMetrics,
  createRecordSigner,
  ensureTables,
  rateLimitTableDefinition,
  sequentialAdmission,
  type AuditEntry,
  type AuditRecord,
  type CallAdmission,
  type McpService,
} from '../src/platform';

/** A DynamoDB client that writes down each operation it sends, in order. */
function countingClient(endpoint: string, log: string[]): DynamoDBClient {
  const client = createDynamoDbClient({ region: 'local', endpoint });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      log.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'countOperations' },
  );
  return client;
}

async function scan(client: DynamoDBClient, table: string): Promise<Record<string, unknown>[]> {
  return ((await client.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? []).map((item) => unmarshall(item));
}

const entry = (callId: string): AuditEntry => ({ event: 'tool_allowed', decision: 'allowed', reason: 'policy_allowed', origin: { requestId: `r-${callId}` }, tool: 'echo', callId });
const rateLimited = (refused: AuditEntry) => () => ({ ...refused, event: 'tool_denied' as const, decision: 'denied' as const, reason: 'rate_limited' });

describe('call admission on DynamoDB: the rate decision and the write-ahead record in one transaction', () => {
  let governance: TestGovernance;
  let client: DynamoDBClient;
  const log: string[] = [];
  beforeAll(async () => {
    governance = await startTestGovernance();
    client = countingClient(governance.dynamodb.endpoint, log);
    await ensureTables(client, [rateLimitTableDefinition('limits')]);
  });
  afterAll(() => governance.stop());
  beforeEach(() => log.splice(0));

  const written = async () => (await governance.auditStore.query({ since: new Date(Date.now() - 3_600_000), limit: 1000 })).records;
  const trailWith = (admission: CallAdmission) =>
    createAuditTrail({ server: 'ops-writer', serverVersion: '1', store: createDynamoDbAuditStore(client, 'audit'), signer: createRecordSigner(Buffer.alloc(32, 7)), admission, metrics: createMemoryMetrics(), logger: createLogger('t', 'SILENT') });

  it('admits a call in one round trip, counting it and writing its record; a full counter writes the denial in the record’s place, chain unbroken', async () => {
    const trail = trailWith(createDynamoDbCallAdmission(client, { counters: 'limits', audit: 'audit' }));
    const counters = [{ key: 'ops-writer#actor:echo:alice', limit: { requests: 1, window_seconds: 60 } }];
    expect(await trail.admit(entry('1'), counters, rateLimited(entry('1')))).toEqual({ admitted: true });
    expect(log).toEqual(['TransactWriteItems']);

    const refused = await trail.admit(entry('2'), counters, rateLimited(entry('2')));
    expect(refused).toMatchObject({ admitted: false, counter: counters[0] });
    await trail.record(entry('3'));
    const records = (await written()).filter((record) => ['1', '2', '3'].includes(record.call_id ?? ''));
    expect(records.map((record) => [record.call_id, record.event, record.reason]).sort()).toEqual([
      ['1', 'tool_allowed', 'policy_allowed'],
      ['2', 'tool_denied', 'rate_limited'],
      ['3', 'tool_allowed', 'policy_allowed'],
    ]);
    const denial = records.find((record) => record.call_id === '2')!;
    expect(denial.writer).toMatchObject({ seq: 2, replaces: expect.any(String) });
    expect(checkWriterChains(records)).toEqual([]);
  });

  it('takes no count when the record cannot be written, and runs nothing (the transaction fails whole)', async () => {
    const trail = trailWith(createDynamoDbCallAdmission(client, { counters: 'limits', audit: 'no-such-table' }));
    const counters = [{ key: 'ops-writer#server', limit: { requests: 5, window_seconds: 60 } }];
    await expect(trail.admit(entry('4'), counters, rateLimited(entry('4')))).rejects.toThrow();
    expect((await scan(client, 'limits')).filter((item) => String(item.pk).startsWith('ops-writer#server#'))).toEqual([]);
  });

  it('admits no more than a sharded limit across shards and instances under concurrent callers, each admitted call with its record', async () => {
    const now = Date.parse('2026-12-03T12:00:00.250Z');
    const instances = [0, 1].map(() => createDynamoDbCallAdmission(client, { counters: 'limits', audit: 'audit' }, { clock: () => now }));
    const trails = instances.map(trailWith);
    const limit = { requests: 301, window_seconds: 1 }; // two shards
    const outcomes = (
      await Promise.all(
        Array.from({ length: 40 }, async (_, caller) => {
          const mine = [];
          for (let call = 0; call < 8; call += 1) {
            const id = `load-${caller}-${call}`;
            mine.push(await trails[(caller + call) % 2]!.admit(entry(id), [{ key: 'ops-reader#server', limit }], rateLimited(entry(id))));
          }
          return mine;
        }),
      )
    ).flat();
    expect(outcomes.filter((outcome) => outcome.admitted)).toHaveLength(301);
    const counts = (await scan(client, 'limits')).filter((item) => String(item.pk).startsWith('ops-reader#server#s')).map((item) => item.count);
    expect(counts.sort()).toEqual([150, 151]);
    const load = (await written()).filter((record) => record.call_id?.startsWith('load-'));
    expect(load.filter((record) => record.event === 'tool_allowed')).toHaveLength(301);
    expect(load.filter((record) => record.reason === 'rate_limited')).toHaveLength(320 - 301);
  });
});

/**
 * A proxy in front of dynalite that cancels the first `conflicts` transactions as DynamoDB does
 * when another transaction holds one of their items (TransactionConflict), passing the rest.
 */
async function conflictingStore(target: string, conflicts: number): Promise<{ endpoint: string; stop(): Promise<void> }> {
  let left = conflicts;
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (String(req.headers['x-amz-target']).endsWith('.TransactWriteItems') && left > 0) {
        left -= 1;
        const items = (JSON.parse(body.toString('utf8')) as { TransactItems: unknown[] }).TransactItems;
        const reasons = items.map((_, index) => (index === 0 ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' } : { Code: 'None' }));
        const answer = JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException', message: 'Transaction cancelled', CancellationReasons: reasons });
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(answer);
        return;
      }
      const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('call admission when concurrent transactions hold the counters (TransactionConflict)', () => {
  let governance: TestGovernance;
  beforeAll(async () => {
    governance = await startTestGovernance();
    await ensureTables(createDynamoDbClient({ region: 'local', endpoint: governance.dynamodb.endpoint }), [rateLimitTableDefinition('limits')]);
  });
  afterAll(() => governance.stop());

  const trailThrough = (endpoint: string) => {
    const client = createDynamoDbClient({ region: 'local', endpoint });
    const admission = createDynamoDbCallAdmission(client, { counters: 'limits', audit: 'audit' });
    return createAuditTrail({ server: 'ops-writer', serverVersion: '1', store: createDynamoDbAuditStore(client, 'audit'), signer: createRecordSigner(Buffer.alloc(32, 8)), admission, metrics: createMemoryMetrics(), logger: createLogger('t', 'SILENT') });
  };
  const counters = [{ key: 'ops-writer#server', limit: { requests: 100, window_seconds: 60 } }];

  it('tries again after a conflict, and admits the call once the counters are free', async () => {
    const store = await conflictingStore(governance.dynamodb.endpoint, 2);
    try {
      expect(await trailThrough(store.endpoint).admit(entry('c1'), counters, rateLimited(entry('c1')))).toEqual({ admitted: true });
    } finally {
      await store.stop();
    }
  });

  it('refuses as contended after five conflicts, writing nothing but the denial, in the record’s place', async () => {
    const store = await conflictingStore(governance.dynamodb.endpoint, 5);
    try {
      const unavailable = (refused: AuditEntry) => () => ({ ...refused, event: 'tool_denied' as const, decision: 'denied' as const, reason: 'governance_unavailable' });
      expect(await trailThrough(store.endpoint).admit(entry('c2'), counters, unavailable(entry('c2')))).toEqual({ admitted: false, contended: true });
      const records = (await governance.auditStore.query({ since: new Date(Date.now() - 60_000), limit: 100 })).records.filter((record) => record.call_id === 'c2');
      expect(records.map((record) => [record.event, record.reason, record.writer?.seq])).toEqual([['tool_denied', 'governance_unavailable', 1]]);
      expect(records[0]!.writer!.replaces).toEqual(expect.any(String));
    } finally {
      await store.stop();
    }
  }, 20_000);
});

describe('the store failing between the counter and the record (counters then record)', () => {
  it('leaves no record and reports the failure, so that the call does not run', async () => {
    const governance = await startTestGovernance();
    try {
      const client = createDynamoDbClient({ region: 'local', endpoint: governance.dynamodb.endpoint });
      await ensureTables(client, [rateLimitTableDefinition('limits'), auditTableDefinition('audit')]);
      const failing = { append: async () => Promise.reject(new Error('audit store down')), query: governance.auditStore.query };
      const admission = sequentialAdmission(createDynamoDbRateLimiter(client, 'limits'), failing);
      await expect(admission.admit({ event_id: 'x' } as AuditRecord, [{ key: 'ops-writer#server', limit: { requests: 5, window_seconds: 60 } }])).rejects.toThrow('audit store down');
    } finally {
      await governance.stop();
    }
  });
});

describe('a governed call on DynamoDB counters (as on AWS)', () => {
  let issuer: TestIssuer;
  let governance: TestGovernance;
  let service: McpService;
  const log: string[] = [];
  const probe: Probe = { calls: 0 };
  beforeAll(async () => {
    issuer = await startTestIssuer();
    governance = await startTestGovernance();
    const client = countingClient(governance.dynamodb.endpoint, log);
    await ensureTables(client, [rateLimitTableDefinition('limits')]);
    governance.setPolicy({ tools: [{ name: 'echo' }], limits: { per_actor_per_tool: { requests: 2, window_seconds: 60 }, per_server: { requests: 100, window_seconds: 60 } } });
    const handlerRuns = { get calls() { return probe.calls; }, set calls(value: number) { log.push('handler'); probe.calls = value; } };
    service = testService(testConfig(issuer.issuer.issuer), handlerRuns, {
      ...governance.adapters,
      auditStore: createDynamoDbAuditStore(client, 'audit'),
      admission: createDynamoDbCallAdmission(client, { counters: 'limits', audit: 'audit' }),
    });
  });
  afterAll(async () => {
    await service.close();
    await governance.stop();
    await issuer.stop();
  });

  const call = async () =>
    request(service.app)
      .post('/mcp')
      .set(MCP_HEADERS)
      .set('Authorization', `Bearer ${await issuer.token({ sub: 'alice', scopes: ['echo:read'] })}`)
      .send(rpc('tools/call', { name: 'echo', arguments: { message: 'hi' } }));

  it('makes one store round trip before the handler (both counters and the record) and one after (the outcome)', async () => {
    log.splice(0);
    expect((await call()).status).toBe(200);
    expect(log).toEqual(['TransactWriteItems', 'handler', 'PutItem']);
  });

  it('refuses over the limit with 429, running nothing, its denial recorded', async () => {
    expect((await call()).status).toBe(200);
    log.splice(0);
    const refused = await call();
    expect(refused.status).toBe(429);
    expect(log).toEqual(['TransactWriteItems', 'PutItem']);
    const denials = (await governance.auditStore.query({ since: new Date(Date.now() - 60_000), limit: 100 })).records.filter((record) => record.reason === 'rate_limited');
    expect(denials).toHaveLength(1);
    expect(probe.calls).toBe(2);
  });
});
