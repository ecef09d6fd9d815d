import type { AuditRecord } from '../audit/audit-record';

/**
 * What in a request's audit records closes it for good, or undefined: a rejection (or a
 * cancelled confirmation), an expiry
 * or an execution. The audit trail is append-only and signed, so a request reopened in the
 * approvals table (status set back to pending or approved, its history cut short) stays
 * closed for the executor. A refused decision (`decision_refused: …`) closes nothing.
 */
export function closingRecord(records: readonly AuditRecord[]): string | undefined {
  for (const record of records) {
    if (record.event === 'approval_decided' && record.decision === 'denied' && (record.reason.startsWith('rejected') || record.reason === 'cancelled')) return `rejected (${record.time})`;
    if (record.event === 'approval_expired') return `expired (${record.time})`;
    if (record.event === 'approval_executed' && record.decision === 'allowed') return `already executed (${record.time})`;
  }
  return undefined;
}
