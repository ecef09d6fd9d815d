import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalDynamoDb, type LocalDynamoDb } from '@gmcp/local-aws';
import {
  auditItemKey,
  auditTableDefinition,
  createDynamoDbAuditStore,
  createDynamoDbClient,
  createFileAuditStore,
  createRecordSigner,
  ensureTables,
  type AuditRecord,
  type AuditStore,
} from '../src/platform';
import { signedRecord } from './support/records';

const signer = createRecordSigner(randomBytes(32));

const record = (time: Date, overrides: Partial<AuditRecord> = {}) => signedRecord(signer, time, overrides);

/** Each adapter of the port, opened on a fresh store; `close` ends what it started. */
const ADAPTERS: [string, () => Promise<{ store: AuditStore; close(): Promise<void> }>][] = [
  [
    'DynamoDB (against dynalite)',
    async () => {
      const dynamodb: LocalDynamoDb = await startLocalDynamoDb();
      const client = createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint });
      await ensureTables(client, [auditTableDefinition('audit-test')]);
      return { store: createDynamoDbAuditStore(client, 'audit-test'), close: () => dynamodb.stop() };
    },
  ],
  [
    'embedded (day files)',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'audit-files-'));
      return { store: createFileAuditStore(dir), close: () => rm(dir, { recursive: true, force: true }) };
    },
  ],
];

describe.each(ADAPTERS)('%s audit store', (_name, open) => {
  let opened: Awaited<ReturnType<typeof open>>;
  let store: AuditStore;
  const base = Date.parse('2026-11-20T10:00:00.000Z');
  const at = (minutes: number) => new Date(base + minutes * 60_000);

  beforeAll(async () => {
    opened = await open();
    store = opened.store;
    // 3 days of records: alice and bob, allowed and denied, two tools.
    for (let minute = 0; minute < 3 * 24 * 60; minute += 240) {
      await store.append(record(at(minute)));
      await store.append(record(at(minute + 1), { actor: { subject: 'bob', client_id: 'cli' }, decision: 'denied', event: 'tool_denied', reason: 'rate_limited' }));
      await store.append(record(at(minute + 2), { tool: 'get_policy' }));
    }
  });
  afterAll(() => opened.close());

  const everything = { since: at(-1), until: at(3 * 24 * 60) };

  it('never overwrites a record', async () => {
    const existing = record(at(5000));
    await store.append(existing);
    await expect(store.append({ ...existing, reason: 'rewritten' })).rejects.toThrow(/never overwritten/);
    // A retried write of the very same record (its acknowledgement lost) is not an error.
    await expect(store.append(existing)).resolves.toBeUndefined();
    const { records } = await store.query({ since: at(4999), until: at(5001), limit: 10 });
    expect(records).toEqual([existing]);
  });

  it('reads across day partitions, newest first, in pages that add up to everything', async () => {
    const seen: AuditRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.query({ ...everything, limit: 7, cursor });
      expect(page.records.length).toBeLessThanOrEqual(7);
      seen.push(...page.records);
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toHaveLength(18 * 3);
    const times = seen.map((entry) => entry.time);
    expect([...times].sort().reverse()).toEqual(times);
    expect(new Set(seen.map((entry) => entry.event_id)).size).toBe(seen.length);
  });

  it('filters by actor, tool, decision and time', async () => {
    const bob = await store.query({ ...everything, actor: 'bob', limit: 100 });
    expect(bob.records).toHaveLength(18);
    expect(bob.records.every((entry) => entry.actor?.subject === 'bob' && entry.decision === 'denied')).toBe(true);

    const getPolicy = await store.query({ ...everything, tool: 'get_policy', limit: 100 });
    expect(getPolicy.records).toHaveLength(18);

    const aliceSearch = await store.query({ ...everything, actor: 'alice', tool: 'search_policies', limit: 100 });
    expect(aliceSearch.records).toHaveLength(18);

    const denied = await store.query({ ...everything, decision: 'denied', limit: 100 });
    expect(denied.records).toHaveLength(18);

    const firstDay = await store.query({ since: at(-1), until: at(24 * 60 - 1), limit: 100 });
    expect(firstDay.records).toHaveLength(6 * 3);
  });

  it('paginates filtered index queries', async () => {
    const first = await store.query({ ...everything, actor: 'alice', limit: 10 });
    expect(first.records).toHaveLength(10);
    const rest = await store.query({ ...everything, actor: 'alice', limit: 100, cursor: first.cursor });
    expect(rest.records).toHaveLength(26);
    expect(rest.cursor).toBeUndefined();
  });

  it('returns records whose signatures still verify', async () => {
    const { records } = await store.query({ ...everything, limit: 5 });
    expect(records.every((entry) => signer.verify(entry))).toBe(true);
  });
});

describe('record signatures', () => {
  it('are stable across key order and catch any edited field', () => {
    const original = record(new Date('2026-11-25T00:00:00.000Z'), { source: { ip: '10.0.0.1', user_agent: 'ua' }, arguments: '{"a":1}' });
    const reordered = { ...original, source: { user_agent: 'ua', ip: '10.0.0.1' } } as AuditRecord;
    expect(signer.verify(reordered)).toBe(true);
    for (const edit of [{ decision: 'denied' }, { actor: { subject: 'mallory', client_id: 'cli' } }, { arguments: '{"a":2}' }, { time: '2026-11-25T00:00:01.000Z' }]) {
      expect(signer.verify({ ...original, ...edit } as AuditRecord)).toBe(false);
    }
    expect(createRecordSigner(randomBytes(32)).verify(original)).toBe(false);
  });
});

describe('tampering that signatures alone would miss', () => {
  it('reports items whose index keys no longer follow from the content, and items that no longer parse', async () => {
    const { UpdateItemCommand } = await import('@aws-sdk/client-dynamodb');
    const dynamodb = await startLocalDynamoDb();
    const client = createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint });
    await ensureTables(client, [auditTableDefinition('audit-tamper')]);
    const store = createDynamoDbAuditStore(client, 'audit-tamper');
    const time = new Date('2026-11-21T08:00:00.000Z');
    const hidden = record(time);
    const broken = record(new Date(time.getTime() + 1000));
    await store.append(hidden);
    await store.append(broken);
    const key = (entry: AuditRecord) => auditItemKey(entry);
    await client.send(new UpdateItemCommand({ TableName: 'audit-tamper', Key: key(hidden), UpdateExpression: 'REMOVE actor_pk' }));
    await client.send(
      new UpdateItemCommand({ TableName: 'audit-tamper', Key: key(broken), UpdateExpression: 'SET decision = :d', ExpressionAttributeValues: { ':d': { S: 'approved' } } }),
    );

    // The record whose actor key was removed no longer shows up by actor…
    const byActor = await store.query({ actor: 'alice', since: new Date(time.getTime() - 1), limit: 10 });
    expect(byActor.records).toEqual([]);
    // …but reading the time range (what verify does) reports both tampered items.
    const page = await store.query({ since: new Date(time.getTime() - 1), until: new Date(time.getTime() + 5000), limit: 10 });
    expect(page.records).toEqual([]);
    expect(page.anomalies).toEqual([
      expect.objectContaining({ problem: 'unreadable', detail: expect.stringContaining('decision') }),
      expect.objectContaining({ problem: 'keys_do_not_match_content', detail: expect.stringContaining('actor_pk') }),
    ]);
    await dynamodb.stop();
  });
});
