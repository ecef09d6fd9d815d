import { createHash } from 'node:crypto';
import { hmacOf, signatureMatches } from '../signing/hmac';
import type { AuditRecord, UnsignedAuditRecord } from './audit-record';

/** HMAC-SHA256 signatures over a record's canonical content (tamper evidence). */
export interface RecordSigner {
  sign(record: Omit<UnsignedAuditRecord, 'key_id'>): AuditRecord;
  verify(record: AuditRecord): boolean;
}

/** The id a record names its signing key by: derived from the key, so it needs no configuration and never reveals it. */
export function auditKeyId(key: Buffer): string {
  return `hmac-${createHash('sha256').update('gmcp audit key id').update(key).digest('hex').slice(0, 16)}`;
}

/**
 * One server's signer: every record it signs names its key (`key_id`), and the key is the
 * server's own (each service has its own AUDIT_HMAC_KEY), so a server holding its key can
 * sign only as itself (see createRecordVerifier).
 */
export function createRecordSigner(key: Buffer): RecordSigner {
  if (key.length < 32) throw new Error('The audit signing key must be at least 32 bytes');
  const keyId = auditKeyId(key);
  return {
    sign: (record) => {
      const content = { ...record, key_id: keyId };
      return { ...content, signature: hmacOf(key, content) };
    },
    verify: (record) => verifyWith(record, key),
  };
}

/** Who may sign as which server: every key each server has had (the current one and those retired by rotation). */
export type ServerKeys = Readonly<Record<string, readonly Buffer[]>>;

/** The shared key of earlier versions, and until when records could have been signed with it. */
export interface LegacyKeys {
  keys: readonly Buffer[];
  /** Records from this time on must name their key: every server held the shared key, so it proves nothing later. */
  until: string;
}

/**
 * Verifies records of any server with the keys of that server: a record signed with another
 * server's key (one server forging another's records) does not verify, whatever it claims.
 * Records from before keys had ids (no `key_id`, no `writer`, older than `legacy.until`) verify
 * with the old shared key.
 */
export function createRecordVerifier(keys: ServerKeys, legacy?: LegacyKeys): { verify(record: AuditRecord): boolean } {
  const byServer = new Map(Object.entries(keys).map(([server, list]) => [server, new Map(list.map((key) => [auditKeyId(key), key]))]));
  return {
    verify(record) {
      if (record.key_id === undefined) {
        const predatesKeyIds = legacy !== undefined && record.writer === undefined && record.time < legacy.until;
        return predatesKeyIds && legacy.keys.some((key) => verifyWith(record, key));
      }
      const key = byServer.get(record.server)?.get(record.key_id);
      return key !== undefined && verifyWith(record, key);
    },
  };
}

function verifyWith({ signature, ...content }: AuditRecord, key: Buffer): boolean {
  return signatureMatches(hmacOf(key, content), signature);
}
