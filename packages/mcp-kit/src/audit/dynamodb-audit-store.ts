import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type AttributeValue,
  type DynamoDBClient,
  type PutItemCommandInput,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { createHash } from 'node:crypto';
import { AuditRecord } from './audit-record';
import { groupCommit } from './group-commit';
import type { AuditAnomaly, AuditQuery, AuditStore } from './audit-store';
import { AUDIT_INDEXES } from './audit-table';
import { canonicalJson } from '../signing/canonical-json';

const KEY_ATTRIBUTES = ['pk', 'sk', 'day_pk', 'actor_pk', 'tool_pk'] as const;
const DAY_MS = 86_400_000;

interface Cursor {
  /** The day partition being read (time-only queries). */
  day?: string;
  key?: Record<string, AttributeValue>;
}

/** The put of a new record: refused (condition failed) rather than overwrite one. */
export function auditPut(tableName: string, record: AuditRecord) {
  return {
    TableName: tableName,
    Item: marshall(auditItem(record), { removeUndefinedValues: true }),
    ConditionExpression: 'attribute_not_exists(pk)',
  } satisfies PutItemCommandInput;
}

/**
 * A transaction's ClientRequestToken (at most 36 characters), from what names its writes: the
 * SDK's retry of a transaction whose answer was lost is then idempotent.
 */
export function transactionToken(writes: string): string {
  return createHash('sha256').update(writes).digest('base64url').slice(0, 36);
}

/** Records written together by group commit, at most (DynamoDB takes 100 items in a transaction). */
const MAX_GROUP = 25;

/**
 * Audit store on DynamoDB: conditional puts only, queries on keys designed for them. Records
 * appended while a write is in flight (concurrent calls in one process) are written together,
 * in one transaction of conditional puts (group commit); each append still resolves only once
 * its own record is written. A Lambda instance serves one request at a time, so there each
 * record is its own put.
 */
export function createDynamoDbAuditStore(client: DynamoDBClient, tableName: string): AuditStore {
  const putOne = async (record: AuditRecord) => {
    try {
      await client.send(new PutItemCommand(auditPut(tableName, record)));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The SDK retries a write whose acknowledgement was lost; if the stored record is
      // this very record, the first attempt landed and all is well.
      const stored = await client.send(new GetItemCommand({ TableName: tableName, Key: auditItemKey(record), ConsistentRead: true }));
      const existing = stored.Item && readItem(stored.Item);
      if (existing && 'record' in existing && canonicalJson(existing.record) === canonicalJson(record)) return;
      throw new Error(`Audit record ${record.event_id} already exists; records are never overwritten`, { cause: error });
    }
  };
  const append = groupCommit<AuditRecord>({
    writeOne: putOne,
    writeAll: async (records) => {
      const token = transactionToken(records.map((record) => record.event_id).join(','));
      await client.send(new TransactWriteItemsCommand({ TransactItems: records.map((record) => ({ Put: auditPut(tableName, record) })), ClientRequestToken: token }));
    },
    // Cancelled for one of its records (a condition, a throttled or invalid item): each alone, for an answer of its own and the SDK's retries.
    refusedForAnItem: (error) => error instanceof TransactionCanceledException,
    maxBatch: MAX_GROUP,
  });
  return {
    append,

    async query(query) {
      const until = query.until ?? new Date();
      const cursor = decodeCursor(query.cursor);
      const range = { ':from': { S: query.since.toISOString() }, ':to': { S: `${until.toISOString()}~` } };
      const filter = filterExpression(query);

      if (query.actor !== undefined || query.tool !== undefined) {
        const [index, keyName, keyValue] =
          query.actor !== undefined
            ? [AUDIT_INDEXES.byActor, 'actor_pk', `ACTOR#${query.actor}`]
            : [AUDIT_INDEXES.byTool, 'tool_pk', `TOOL#${query.tool}`];
        const page = await queryPage(client, {
          TableName: tableName,
          IndexName: index,
          KeyConditionExpression: `${keyName} = :key AND sk BETWEEN :from AND :to`,
          ExpressionAttributeValues: { ...range, ':key': { S: keyValue }, ...filter.values },
          ...filter.expression,
          ExclusiveStartKey: cursor.key,
        }, query.limit);
        return { records: page.records, anomalies: page.anomalies, cursor: page.lastKey && encodeCursor({ key: page.lastKey }) };
      }

      // Time-only queries walk the day partitions from newest to oldest.
      const records: AuditRecord[] = [];
      const anomalies: AuditAnomaly[] = [];
      let day = cursor.day ?? dayOf(until);
      let startKey = cursor.key;
      const firstDay = dayOf(query.since);
      while (day >= firstDay) {
        const page = await queryPage(client, {
          TableName: tableName,
          IndexName: AUDIT_INDEXES.byDay,
          KeyConditionExpression: 'day_pk = :day AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ...range, ':day': { S: `DAY#${day}` }, ...filter.values },
          ...filter.expression,
          ExclusiveStartKey: startKey,
        }, query.limit - records.length);
        records.push(...page.records);
        anomalies.push(...page.anomalies);
        if (page.lastKey) return { records, anomalies, cursor: encodeCursor({ day, key: page.lastKey }) };
        day = previousDay(day);
        startKey = undefined;
        if (records.length >= query.limit) return { records, anomalies, cursor: day >= firstDay ? encodeCursor({ day }) : undefined };
      }
      return { records, anomalies };
    },
  };
}

/** Reads up to `limit` matching records, following DynamoDB pages as filters thin them out. */
async function queryPage(
  client: DynamoDBClient,
  input: QueryCommandInput,
  limit: number,
): Promise<{ records: AuditRecord[]; anomalies: AuditAnomaly[]; lastKey?: Record<string, AttributeValue> }> {
  const records: AuditRecord[] = [];
  const anomalies: AuditAnomaly[] = [];
  let startKey = input.ExclusiveStartKey;
  do {
    const output = await client.send(
      new QueryCommand({ ...input, ExclusiveStartKey: startKey, ScanIndexForward: false, Limit: limit - records.length }),
    );
    for (const item of output.Items ?? []) {
      const read = readItem(item);
      if ('record' in read) records.push(read.record);
      else anomalies.push(read.anomaly);
    }
    startKey = output.LastEvaluatedKey;
  } while (startKey && records.length < limit);
  return { records, anomalies, lastKey: startKey };
}

/** A record as the table stores it, keys included (bulk loads in benchmarks use the same layout). */
export function auditItem(record: AuditRecord): Record<string, unknown> {
  return { ...record, ...keysOf(record) };
}

/** The primary key of a record's item (a read-back, or a test removing it as an intruder would). */
export function auditItemKey(record: Pick<AuditRecord, 'server' | 'time' | 'event_id'>): Record<'pk' | 'sk', AttributeValue> {
  const { pk, sk } = primaryKeyOf(record);
  return { pk: { S: pk }, sk: { S: sk } };
}

function primaryKeyOf(record: Pick<AuditRecord, 'server' | 'time' | 'event_id'>): { pk: string; sk: string } {
  return { pk: `${record.server}#${record.time.slice(0, 10)}`, sk: `${record.time}#${record.event_id}` };
}

function keysOf(record: AuditRecord): Record<(typeof KEY_ATTRIBUTES)[number], string | undefined> {
  return {
    ...primaryKeyOf(record),
    day_pk: `DAY#${record.time.slice(0, 10)}`,
    actor_pk: record.actor ? `ACTOR#${record.actor.subject}` : undefined,
    tool_pk: record.tool ? `TOOL#${record.tool}` : undefined,
  };
}

/** A stored item's content parsed as a record, apart from its keys (which the signature does not cover). */
export function parseAuditItem(item: Record<string, AttributeValue>) {
  const raw = unmarshall(item);
  const location = `${String(raw.pk)} / ${String(raw.sk)}`;
  const stored = Object.fromEntries(KEY_ATTRIBUTES.map((key) => [key, raw[key]]));
  for (const key of KEY_ATTRIBUTES) delete raw[key];
  return { location, stored, parsed: AuditRecord.safeParse(raw) };
}

/**
 * A stored item as a record, or as an anomaly: content that no longer parses, or index
 * keys (which the signature does not cover) that no longer follow from the content —
 * e.g. a removed `actor_pk` that would hide a record from queries by actor.
 */
function readItem(item: Record<string, AttributeValue>): { record: AuditRecord } | { anomaly: AuditAnomaly } {
  const { location, stored, parsed } = parseAuditItem(item);
  if (!parsed.success) {
    return { anomaly: { location, problem: 'unreadable', detail: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') } };
  }
  const expected = keysOf(parsed.data);
  const changed = KEY_ATTRIBUTES.filter((key) => stored[key] !== expected[key]);
  if (changed.length > 0) {
    return { anomaly: { location, problem: 'keys_do_not_match_content', detail: `changed: ${changed.join(', ')} (event ${parsed.data.event_id})` } };
  }
  return { record: parsed.data };
}

function filterExpression(query: AuditQuery) {
  const clauses: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const add = (attribute: string, value: string | undefined) => {
    if (value === undefined) return;
    clauses.push(`#${attribute} = :${attribute}`);
    names[`#${attribute}`] = attribute;
    values[`:${attribute}`] = { S: value };
  };
  add('decision', query.decision);
  add('event', query.event);
  add('server', query.server);
  add('approval_id', query.approvalId);
  if (query.actor !== undefined) add('tool', query.tool);
  const expression = clauses.length ? { FilterExpression: clauses.join(' AND '), ExpressionAttributeNames: names } : {};
  return { expression, values };
}

function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function previousDay(day: string): string {
  return dayOf(new Date(Date.parse(`${day}T00:00:00.000Z`) - DAY_MS));
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(cursor: string | undefined): Cursor {
  if (!cursor) return {};
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Cursor;
  } catch {
    throw new Error('Invalid audit cursor');
  }
}
