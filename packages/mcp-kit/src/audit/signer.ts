import { hmacOf, signatureMatches } from '../signing/hmac';
import type { AuditRecord, UnsignedAuditRecord } from './audit-record';

/** HMAC-SHA256 signatures over a record's canonical content (tamper evidence). */
export interface RecordSigner {
  sign(record: UnsignedAuditRecord): AuditRecord;
  verify(record: AuditRecord): boolean;
}

export function createRecordSigner(key: Buffer): RecordSigner {
  if (key.length < 32) throw new Error('The audit signing key must be at least 32 bytes');
  return {
    sign: (record) => ({ ...record, signature: hmacOf(key, record) }),
    verify: ({ signature, ...content }) => signatureMatches(hmacOf(key, content), signature),
  };
}
