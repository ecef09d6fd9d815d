import type { AuditRecord, RecordSigner } from '../../src/platform';
import { newEventId } from '../../src/audit/audit-record';

/** A signed `tool_allowed` record at `time` (alice calling search_policies), with overrides. */
export function signedRecord(signer: RecordSigner, time: Date, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return signer.sign({
    event_id: newEventId(time),
    event: 'tool_allowed',
    time: time.toISOString(),
    server: 'policy-reader',
    server_version: '1.0.0',
    request_id: `req-${time.getTime()}`,
    tool: 'search_policies',
    actor: { subject: 'alice', client_id: 'cli' },
    source: { ip: '127.0.0.1' },
    decision: 'allowed',
    reason: 'policy_allowed',
    ...overrides,
  });
}
