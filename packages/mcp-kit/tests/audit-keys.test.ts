import { randomBytes } from 'node:crypto';
import { auditKeyId, createRecordSigner, createRecordVerifier } from '../src/audit/signer';
import { hmacOf } from '../src/signing/hmac';
import type { AuditRecord } from '../src/audit/audit-record';

const content = (server: string) => ({
  event_id: '0190000000000000000000000000',
  event: 'tool_completed' as const,
  time: '2026-12-03T12:00:00.000Z',
  server,
  server_version: '1',
  request_id: 'r-1',
  source: {},
  decision: 'allowed' as const,
  reason: 'completed',
});

describe('per-server audit keys', () => {
  const writerKey = randomBytes(32);
  const readerKey = randomBytes(32);
  const retired = randomBytes(32);
  const verifier = createRecordVerifier({ 'ops-writer': [writerKey, retired], 'policy-reader': [readerKey] });

  it('names the key that signed each record, without revealing it', () => {
    const record = createRecordSigner(writerKey).sign(content('ops-writer'));
    expect(record.key_id).toBe(auditKeyId(writerKey));
    expect(record.key_id).toMatch(/^hmac-[0-9a-f]{16}$/);
    expect(verifier.verify(record)).toBe(true);
  });

  it('refuses a record one server signed in another server’s name', () => {
    const forged = createRecordSigner(readerKey).sign(content('ops-writer'));
    expect(verifier.verify(forged)).toBe(false);
    expect(verifier.verify({ ...forged, key_id: auditKeyId(writerKey) })).toBe(false);
  });

  it('still verifies records signed with a key retired by rotation', () => {
    expect(verifier.verify(createRecordSigner(retired).sign(content('ops-writer')))).toBe(true);
  });

  it('verifies records from before keys had ids with the old shared key, and only those', () => {
    const shared = randomBytes(32);
    const legacy = { ...content('policy-reader'), signature: hmacOf(shared, content('policy-reader')) } as AuditRecord;
    const withLegacy = createRecordVerifier({}, { keys: [shared], until: '2026-12-03T13:00:00.000Z' });
    expect(withLegacy.verify(legacy)).toBe(true);
    expect(verifier.verify(legacy)).toBe(false);
    // A server still holding the shared key cannot use it for records dated after the change.
    const later = { ...content('ops-writer'), time: '2026-12-03T14:00:00.000Z' };
    expect(withLegacy.verify({ ...later, signature: hmacOf(shared, later) } as AuditRecord)).toBe(false);
  });
});
