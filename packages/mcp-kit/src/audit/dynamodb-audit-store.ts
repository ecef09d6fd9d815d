import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { AuditRecord } from './audit-record';
import type { AuditQuery, AuditStore } from './audit-store';
import { AUDIT_INDEXES } from './audit-table';
import { canonicalJson } from './signer';

const KEY_ATTRIBUTES = ['pk', 'sk', 'actor_pk', 'tool_pk'] as const;
const DAY_MS = 86_400_000;

interface Cursor {
  /** The day partition being read (base-table queries only). */
  day?: string;
  key?: Record<string, AttributeValue>;
}

/** Audit store on DynamoDB: conditional puts only, queries on keys designed for them. */
export function createDynamoDbAuditStore(client: DynamoDBClient, tableName: string): AuditStore {
  return {
    async append(record) {
      const item = { ...record, ...keysOf(record) };
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: marshall(item, { removeUndefinedValues: true }),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // The SDK retries a write whose acknowledgement was lost; if the stored record is
        // this very record, the first attempt landed and all is well.
        const keys = keysOf(record);
        const stored = await client.send(
          new GetItemCommand({ TableName: tableName, Key: { pk: { S: keys.pk! }, sk: { S: keys.sk! } }, ConsistentRead: true }),
        );
        if (stored.Item && canonicalJson(toRecord(stored.Item)) === canonicalJson(record)) return;
        throw new Error(`Audit record ${record.event_id} already exists; records are never overwritten`, { cause: error });
      }
    },

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
        return { records: page.records, cursor: page.lastKey && encodeCursor({ key: page.lastKey }) };
      }

      // Time-only queries walk the day partitions from newest to oldest.
      const records: AuditRecord[] = [];
      let day = cursor.day ?? dayOf(until);
      let startKey = cursor.key;
      const firstDay = dayOf(query.since);
      while (day >= firstDay) {
        const page = await queryPage(client, {
          TableName: tableName,
          KeyConditionExpression: 'pk = :day AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ...range, ':day': { S: `DAY#${day}` }, ...filter.values },
          ...filter.expression,
          ExclusiveStartKey: startKey,
        }, query.limit - records.length);
        records.push(...page.records);
        if (page.lastKey) return { records, cursor: encodeCursor({ day, key: page.lastKey }) };
        day = previousDay(day);
        startKey = undefined;
        if (records.length >= query.limit) return { records, cursor: day >= firstDay ? encodeCursor({ day }) : undefined };
      }
      return { records };
    },
  };
}

/** Reads up to `limit` matching records, following DynamoDB pages as filters thin them out. */
async function queryPage(
  client: DynamoDBClient,
  input: QueryCommandInput,
  limit: number,
): Promise<{ records: AuditRecord[]; lastKey?: Record<string, AttributeValue> }> {
  const records: AuditRecord[] = [];
  let startKey = input.ExclusiveStartKey;
  do {
    const output = await client.send(
      new QueryCommand({ ...input, ExclusiveStartKey: startKey, ScanIndexForward: false, Limit: limit - records.length }),
    );
    records.push(...(output.Items ?? []).map(toRecord));
    startKey = output.LastEvaluatedKey;
  } while (startKey && records.length < limit);
  return { records, lastKey: startKey };
}

function keysOf(record: AuditRecord): Record<(typeof KEY_ATTRIBUTES)[number], string | undefined> {
  const sk = `${record.time}#${record.event_id}`;
  return {
    pk: `DAY#${record.time.slice(0, 10)}`,
    sk,
    actor_pk: record.actor ? `ACTOR#${record.actor.subject}` : undefined,
    tool_pk: record.tool ? `TOOL#${record.tool}` : undefined,
  };
}

function toRecord(item: Record<string, AttributeValue>): AuditRecord {
  const raw = unmarshall(item);
  for (const key of KEY_ATTRIBUTES) delete raw[key];
  return AuditRecord.parse(raw);
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
