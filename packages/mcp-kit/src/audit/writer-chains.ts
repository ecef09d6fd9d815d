import type { AuditRecord } from './audit-record';
import { recordHash } from './digests/digest-core';

export type TrailFindingKind = 'writer_gap' | 'writer_link_broken' | 'call_without_outcome' | 'outcome_without_call';

export interface TrailFinding {
  kind: TrailFindingKind;
  detail: string;
}

/**
 * Checks each writer's chain within a set of records (a time range): numbers must follow each
 * other without a hole, and each record must name the hash of its predecessor (or of the record
 * it replaced: a refused call's denial, written at its write-ahead record's number instead). A
 * hole is a record deleted (or one the store refused: those are counted as AuditWriteFailures
 * and logged whole). Records before the range, and the newest ones of a writer, are not covered
 * here: the digests cover those.
 */
export function checkWriterChains(records: readonly AuditRecord[]): TrailFinding[] {
  const findings: TrailFinding[] = [];
  const byWriter = new Map<string, AuditRecord[]>();
  for (const record of records) {
    if (!record.writer) continue;
    byWriter.set(record.writer.id, [...(byWriter.get(record.writer.id) ?? []), record]);
  }
  for (const [writer, chain] of byWriter) {
    chain.sort((a, b) => a.writer!.seq - b.writer!.seq);
    for (let index = 1; index < chain.length; index += 1) {
      const [before, after] = [chain[index - 1]!, chain[index]!];
      const missing = after.writer!.seq - before.writer!.seq - 1;
      if (missing > 0) {
        const range = missing === 1 ? `record ${before.writer!.seq + 1} is` : `records ${before.writer!.seq + 1}–${after.writer!.seq - 1} are`;
        findings.push({ kind: 'writer_gap', detail: `${writer}: ${range} missing (between ${before.time} and ${after.time})` });
      } else if (after.writer!.prev !== recordHash(before) && after.writer!.prev !== before.writer!.replaces) {
        findings.push({ kind: 'writer_link_broken', detail: `${writer}: record ${after.writer!.seq} (${after.event_id}) does not follow record ${before.writer!.seq} (${before.event_id})` });
      }
    }
  }
  return findings;
}

/** How long a call may still be running when its `tool_allowed` record is read (Lambda's own limit). */
const CALL_SETTLE_MS = 15 * 60 * 1000;

/** How far before its outcome a call's write-ahead record may be, beyond the handler's own duration. */
const EDGE_MARGIN_MS = 60_000;

/**
 * Pairs each `tool_allowed` with its outcome (`tool_completed` or `tool_not_run`) by request and
 * call id. An outcome without its write-ahead record means a record was removed (or a handler
 * ran without one); a write-ahead record with no outcome after the settle time means the
 * outcome was removed, or the process died mid-call. Pairs that may straddle the range's edges
 * are left alone.
 */
export function checkCallPairs(records: readonly AuditRecord[], range: { since: Date; until: Date }): TrailFinding[] {
  const key = (record: AuditRecord) => `${record.server} ${record.request_id} ${record.call_id ?? ''}`;
  const allowed = new Map<string, AuditRecord>();
  const outcomes = new Map<string, AuditRecord>();
  for (const record of records) {
    if (record.event === 'tool_allowed') allowed.set(key(record), record);
    if (record.event === 'tool_completed' || record.event === 'tool_not_run') outcomes.set(key(record), record);
  }
  const findings: TrailFinding[] = [];
  for (const [pair, record] of allowed) {
    const settled = Date.parse(record.time) + CALL_SETTLE_MS <= range.until.getTime();
    if (!outcomes.has(pair) && settled) findings.push({ kind: 'call_without_outcome', detail: `${record.server} ${record.tool ?? ''} at ${record.time} (request ${record.request_id}): allowed, but no outcome is recorded` });
  }
  for (const [pair, record] of outcomes) {
    const startedInRange = Date.parse(record.time) - (record.duration_ms ?? 0) - EDGE_MARGIN_MS >= range.since.getTime();
    if (!allowed.has(pair) && startedInRange) findings.push({ kind: 'outcome_without_call', detail: `${record.server} ${record.tool ?? ''} at ${record.time} (request ${record.request_id}): ${record.event} without its tool_allowed record` });
  }
  return findings;
}
