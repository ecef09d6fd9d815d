import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient, createFileAuditStore, parseAuditItem, type AuditRecord, type AuditStore } from '@gmcp/mcp-kit/platform';
import { auditRecordsDir, LOCAL_TABLES } from './local-contract';

type Env = Record<string, string | undefined>;

const IMPORTED_MARKER = '.imported-from-local-dynamodb';

/**
 * The state folder's embedded audit store. Earlier versions kept the local trail in the local
 * DynamoDB's audit table: the first start copies those records in (as they are, signatures and
 * all), so that `verify` and the console still see them; items that are no longer records are
 * named and left where they are.
 */
export async function openLocalAuditStore(dynamoDbEndpoint: string, env: Env, report: (message: string) => void = console.error): Promise<AuditStore> {
  const dir = auditRecordsDir(env);
  const store = createFileAuditStore(dir);
  const marker = join(dir, IMPORTED_MARKER);
  if (existsSync(marker)) return store;
  const { copied, unreadable } = await copyTableRecords(dynamoDbEndpoint, store);
  if (copied > 0) report(`Copied ${copied} audit record(s) from the local DynamoDB table to ${dir}.`);
  if (unreadable.length > 0) report(`Not copied, no longer records as written (left in the table ${LOCAL_TABLES.audit}): ${unreadable.join(', ')}`);
  // Written last: a start interrupted while copying copies again (appending the same record twice is not an error).
  await writeFile(marker, `${new Date().toISOString()} copied ${copied}\n`);
  return store;
}

async function copyTableRecords(endpoint: string, store: AuditStore): Promise<{ copied: number; unreadable: string[] }> {
  const client = createDynamoDbClient({ region: 'local', endpoint });
  const unreadable: string[] = [];
  let copied = 0;
  try {
    let startKey: Record<string, never> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: LOCAL_TABLES.audit, ExclusiveStartKey: startKey }));
      const records: AuditRecord[] = [];
      for (const item of page.Items ?? []) {
        const { location, parsed } = parseAuditItem(item);
        if (parsed.success) records.push(parsed.data);
        else unreadable.push(location);
      }
      // Appended together: one write per page (group commit).
      await Promise.all(records.map((record) => store.append(record)));
      copied += records.length;
      startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
    } while (startKey);
  } catch (error) {
    // No table (a fresh state folder) is nothing to copy.
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  } finally {
    client.destroy();
  }
  return { copied, unreadable };
}
