import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AuditRecord, UnsignedAuditRecord } from './audit-record';

/**
 * Canonical JSON: object keys sorted, undefined members dropped, no whitespace.
 * The same record always yields the same bytes, on any machine.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** HMAC-SHA256 signatures over a record's canonical content (tamper evidence). */
export interface RecordSigner {
  sign(record: UnsignedAuditRecord): AuditRecord;
  verify(record: AuditRecord): boolean;
}

/** HMAC-SHA256 (base64url) of a value's canonical JSON. */
export function hmacOf(key: Buffer, value: unknown): string {
  return createHmac('sha256', key).update(canonicalJson(value)).digest('base64url');
}

/** Compares a signature with the expected one in constant time. */
export function signatureMatches(expected: string, actual: string): boolean {
  const [a, b] = [Buffer.from(expected), Buffer.from(actual)];
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createRecordSigner(key: Buffer): RecordSigner {
  if (key.length < 32) throw new Error('The audit signing key must be at least 32 bytes');
  return {
    sign: (record) => ({ ...record, signature: hmacOf(key, record) }),
    verify: ({ signature, ...content }) => signatureMatches(hmacOf(key, content), signature),
  };
}
