import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, PutItemCommand, ResourceNotFoundException, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { AUDIT_INDEXES, AuditRecord, auditItem, auditTableDefinition } from '@gmcp/mcp-kit/platform';

/**
 * A state folder from before the audit table was keyed by server (`pk = <server>#<day>`, with
 * the `by_day` index for time queries) is moved to the new layout when the platform starts:
 * every record is read, the table is created anew and each record written back under its new
 * keys, unchanged (its signature covers its content, not its keys). dynalite cannot add an
 * index to a table, hence the copy. Returns how many records were moved, or 0 when none needed to be.
 */
export async function migrateLocalAuditTable(client: DynamoDBClient, tableName: string): Promise<number> {
  const table = await client.send(new DescribeTableCommand({ TableName: tableName })).catch((error: unknown) => {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  });
  if (!table?.Table || table.Table.GlobalSecondaryIndexes?.some((index) => index.IndexName === AUDIT_INDEXES.byDay)) return 0;
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  await client.send(new CreateTableCommand(auditTableDefinition(tableName)));
  for (const item of items) {
    const { pk: _pk, sk: _sk, actor_pk: _actor, tool_pk: _tool, ...content } = unmarshall(item);
    const parsed = AuditRecord.safeParse(content);
    // An item that is no record stays as it was (verify reports it), under keys it can be found by.
    const moved = parsed.success ? auditItem(parsed.data) : { ...unmarshall(item), day_pk: String(unmarshall(item).pk) };
    await client.send(new PutItemCommand({ TableName: tableName, Item: marshall(moved, { removeUndefinedValues: true }) }));
  }
  return items.length;
}
