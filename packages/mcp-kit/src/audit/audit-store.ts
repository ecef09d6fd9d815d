import type { AuditEvent, AuditRecord, Decision } from './audit-record';

export interface AuditQuery {
  actor?: string;
  tool?: string;
  decision?: Decision;
  event?: AuditEvent;
  server?: string;
  /** The records of one approval request. */
  approvalId?: string;
  since: Date;
  until?: Date;
  /** Page size. */
  limit: number;
  cursor?: string;
}

/** A stored item that is not a well-formed record as written: evidence of tampering. */
export interface AuditAnomaly {
  /** Where it is stored. */
  location: string;
  problem: 'unreadable' | 'keys_do_not_match_content';
  detail: string;
}

export interface AuditPage {
  records: AuditRecord[];
  /** Items in the range that could not be read as records, or whose keys were changed. */
  anomalies: AuditAnomaly[];
  /** Opaque; pass it back for the next page. Absent on the last page. */
  cursor?: string;
}

/**
 * Append-only audit storage. There is deliberately no update or delete: a record,
 * once written, can only be read.
 */
export interface AuditStore {
  /** Writes a new record; fails rather than overwrite an existing one. */
  append(record: AuditRecord): Promise<void>;
  /** Newest first. */
  query(query: AuditQuery): Promise<AuditPage>;
}
