/**
 * For those who read the audit trail (`@gmcp/mcp-kit/audit`): the approvals console's audit
 * pages. The same reader as `npm run audit`, over any audit store and digest store it is given.
 */
export { createAuditReader, type AuditReader, type AuditReaderOptions, type ChainState, type CheckedRecord, type RecordVerifier, type TrailCheck } from './audit/audit-reader';
export { AUDIT_EVENTS, DECISIONS, type AuditEvent, type AuditRecord, type Decision } from './audit/audit-record';
export type { AuditAnomaly, AuditQuery, AuditStore } from './audit/audit-store';
export { awsAuditReader, createAwsAuditReader, serverKeys, type AwsAuditReaderOptions, type AwsAuditSettings } from './audit/aws-audit-reader';
