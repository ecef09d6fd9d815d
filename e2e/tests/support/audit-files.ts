import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditRecord } from '@gmcp/mcp-kit/platform';

/**
 * What an intruder with write access to a local state folder can do to the embedded audit store:
 * edit a record's line in its day file, or take it out (`change` returns undefined).
 */
export async function tamperWithAuditLine(recordsDir: string, record: Pick<AuditRecord, 'time' | 'event_id'>, change: (stored: AuditRecord) => AuditRecord | undefined): Promise<void> {
  const dayFile = join(recordsDir, `${record.time.slice(0, 10)}.jsonl`);
  const lines = (await readFile(dayFile, 'utf8')).split('\n');
  const index = lines.findIndex((line) => line.includes(`"event_id":"${record.event_id}"`));
  if (index < 0) throw new Error(`No line of record ${record.event_id} in ${dayFile}`);
  const changed = change(JSON.parse(lines[index]!) as AuditRecord);
  if (changed) lines[index] = JSON.stringify(changed);
  else lines.splice(index, 1);
  await writeFile(dayFile, lines.join('\n'));
}
