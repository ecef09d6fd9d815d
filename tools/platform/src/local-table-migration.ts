import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  PutItemCommand,
  ResourceNotFoundException,
  ScanCommand,
  type AttributeValue,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { AuditRecord, auditItem, auditTableDefinition } from '@gmcp/mcp-kit/platform';

type Item = Record<string, AttributeValue>;

/**
 * A local table made by an earlier version that lacks an index its definition now has is
 * rebuilt when the platform starts: every item is first saved to `dumpPath`, the table is
 * created anew from `definition` and each item written back through `moveItem`; then the dump
 * is removed. dynalite cannot add an index to a table, hence the copy. A rebuild interrupted
 * half-way resumes from the dump at the next start. Returns how many items were moved.
 */
export async function migrateLocalTable(
  client: DynamoDBClient,
  definition: CreateTableCommandInput,
  dumpPath: string,
  moveItem: (stored: Record<string, unknown>) => Record<string, unknown> = (stored) => stored,
): Promise<number> {
  const tableName = definition.TableName!;
  const interrupted = existsSync(dumpPath);
  const table = await describe(client, tableName);
  const present = new Set(table?.GlobalSecondaryIndexes?.map((index) => index.IndexName));
  if (!interrupted && (!table || (definition.GlobalSecondaryIndexes ?? []).every((index) => present.has(index.IndexName)))) return 0;
  const items = interrupted ? (JSON.parse(await readFile(dumpPath, 'utf8')) as Item[]) : await scanAll(client, tableName);
  if (!interrupted) await writeFile(dumpPath, JSON.stringify(items), { mode: 0o600, flush: true });
  if (table) await client.send(new DeleteTableCommand({ TableName: tableName }));
  await client.send(new CreateTableCommand(definition));
  for (const item of items) await client.send(new PutItemCommand({ TableName: tableName, Item: marshall(moveItem(unmarshall(item)), { removeUndefinedValues: true }) }));
  await rm(dumpPath);
  return items.length;
}

/**
 * A state folder from before the audit table was keyed by server (`pk = <server>#<day>`, with
 * the `by_day` index for time queries) is moved to the new layout: each record is written back
 * under its new keys, unchanged (its signature covers its content, not its keys). An item whose
 * stored keys do not follow from its content (tampering) keeps them as they were, so that
 * `verify` still reports it.
 */
export const migrateLocalAuditTable = (client: DynamoDBClient, tableName: string, dumpPath: string) => migrateLocalTable(client, auditTableDefinition(tableName), dumpPath, movedItem);

/** A record under its new keys; anything else as it was stored, findable by day. */
function movedItem(stored: Record<string, unknown>): Record<string, unknown> {
  const { pk, sk, actor_pk, tool_pk, ...content } = stored;
  const parsed = AuditRecord.safeParse(content);
  const keysFollow =
    parsed.success &&
    pk === `DAY#${parsed.data.time.slice(0, 10)}` &&
    sk === `${parsed.data.time}#${parsed.data.event_id}` &&
    actor_pk === (parsed.data.actor ? `ACTOR#${parsed.data.actor.subject}` : undefined) &&
    tool_pk === (parsed.data.tool ? `TOOL#${parsed.data.tool}` : undefined);
  return keysFollow ? auditItem(parsed.data) : { ...stored, day_pk: `DAY#${String(sk).slice(0, 10)}` };
}

async function describe(client: DynamoDBClient, tableName: string) {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

async function scanAll(client: DynamoDBClient, tableName: string): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
