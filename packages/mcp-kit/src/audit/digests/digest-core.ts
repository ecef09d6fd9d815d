import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../../signing/canonical-json';

/**
 * Audit digests, after CloudTrail's log file integrity validation: a signed digest per time
 * range lists every record in it (event id and content hash) and the hash of the previous
 * digest. Editing, deleting or inserting a record, or removing a digest, shows. This module
 * needs only node:crypto, so the standalone verifier bundles it alone.
 */
export const DIGEST_VERSION = 1;

/** Ed25519 locally; RSASSA-PKCS1-v1_5 with SHA-256 from a KMS RSA key on AWS. */
export type DigestAlgorithm = 'Ed25519' | 'RSASSA_PKCS1_V1_5_SHA_256';

export interface AuditDigest {
  version: typeof DIGEST_VERSION;
  /** Records whose `time` is in [start, end). Ranges follow each other without gaps. */
  range: { start: string; end: string };
  record_count: number;
  /** `[event_id, sha256 hex of the record's canonical JSON]`, in (time, event_id) order. */
  records: [string, string][];
  /** `sha256:` over the record hashes joined by newlines. */
  records_hash: string;
  /** `sha256:` of the previous digest (its canonical JSON, signature included); null for the first. */
  previous_digest_hash: string | null;
  created_at: string;
  /** Which public key verifies it: `sha256:` of the key's DER (SubjectPublicKeyInfo). */
  key_id: string;
  algorithm: DigestAlgorithm;
  /** Base64 signature over the canonical JSON of every other field. */
  signature: string;
}
export type UnsignedDigest = Omit<AuditDigest, 'signature'>;

interface HashableRecord {
  event_id: string;
  time: string;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

export function recordHash(record: object): string {
  return sha256(canonicalJson(record));
}

export function recordsHash(hashes: readonly string[]): string {
  return `sha256:${sha256(hashes.join('\n'))}`;
}

export function digestHash(digest: AuditDigest): string {
  return `sha256:${sha256(canonicalJson(digest))}`;
}

export function signingInput(digest: UnsignedDigest): Buffer {
  return Buffer.from(canonicalJson(digest));
}

export function keyIdOf(publicKey: KeyObject): string {
  return `sha256:${sha256(publicKey.export({ type: 'spki', format: 'der' }))}`;
}

/** Records in digest order: by time, then event id (the audit table's sort key). */
export function inDigestOrder<T extends HashableRecord>(records: readonly T[]): T[] {
  return [...records].sort((a, b) => (a.time === b.time ? compare(a.event_id, b.event_id) : compare(a.time, b.time)));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function verifySignature(digest: AuditDigest, publicKey: KeyObject): boolean {
  const { signature, ...unsigned } = digest;
  if (!signature) return false;
  try {
    const algorithm = digest.algorithm === 'Ed25519' ? null : 'sha256';
    return verify(algorithm, signingInput(unsigned), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

export type FindingKind = 'record_edited' | 'record_missing' | 'record_added' | 'chain_broken' | 'bad_signature' | 'digest_inconsistent';

export interface Finding {
  kind: FindingKind;
  detail: string;
  event_id?: string;
}

export interface RangeReport {
  range: { start: string; end: string };
  digest: string;
  records: number;
  findings: Finding[];
}

export interface VerifyReport {
  ranges: RangeReport[];
  /** Problems of the chain itself: a missing link, a gap, a digest signed by another key. */
  chain: Finding[];
  /** Records no digest covers: before the first digest's range, or after the last one's. */
  undigested: { before: number; after: number };
  /** The keys that signed the digests: compare with the key id you trust (KMS, or the one you pinned). */
  keyIds: string[];
  ok: boolean;
}

export interface VerifyInput {
  records: readonly HashableRecord[];
  digests: readonly AuditDigest[];
  publicKey: KeyObject | string;
  /**
   * `genesis`: the first digest must start the chain (the whole store). `partial`: the first
   * digest's predecessor is outside the input (an export), so its link is taken as given.
   */
  anchor: 'genesis' | 'partial';
  /**
   * What the schedule promises, when known (AWS): digests come at least this often, so a
   * longer range means digests before it were removed and the span digested again, and a
   * newest digest older than this means the newest ones were removed (or the schedule stopped).
   */
  maxRangeMs?: number;
  /** Where the chain must start (the stage's `auditDigests.chainStart`): a later first digest means removed ones. */
  chainStart?: string;
  now?: Date;
}

/** Checks the digest chain and every record against the digest of its range. */
export function verifyAuditDigests(input: VerifyInput): VerifyReport {
  const publicKey = typeof input.publicKey === 'string' ? createPublicKey(input.publicKey) : input.publicKey;
  const keyId = keyIdOf(publicKey);
  const digests = [...input.digests].sort((a, b) => compare(a.range.start, b.range.start));
  const chain = [...chainFindings(digests, input.anchor), ...scheduleFindings(digests, input)];
  const records = inDigestOrder(input.records);
  const ranges = digests.map((digest) => rangeReport(digest, records, publicKey, keyId));
  const first = digests[0]?.range.start;
  const last = digests[digests.length - 1]?.range.end;
  const undigested = {
    before: first === undefined ? 0 : records.filter((record) => record.time < first).length,
    after: last === undefined ? records.length : records.filter((record) => record.time >= last).length,
  };
  if (input.anchor === 'partial' && digests.length === 0) chain.push({ kind: 'chain_broken', detail: 'no digest to verify the records against' });
  // An export starts at a digest's range: records before it mean the file was cut.
  if (input.anchor === 'partial' && undigested.before > 0) chain.push({ kind: 'chain_broken', detail: `${undigested.before} record(s) precede the first digest in the file` });
  const ok = chain.length === 0 && ranges.every((range) => range.findings.length === 0);
  return { ranges, chain, undigested, keyIds: [...new Set(digests.map((digest) => digest.key_id))], ok };
}

function scheduleFindings(digests: readonly AuditDigest[], input: VerifyInput): Finding[] {
  const findings: Finding[] = [];
  const first = digests[0];
  if (input.chainStart !== undefined && input.anchor === 'genesis' && (!first || first.range.start !== input.chainStart)) {
    findings.push({ kind: 'chain_broken', detail: `the chain starts at ${input.chainStart}, but the first digest ${first ? `starts at ${first.range.start}` : 'is missing'} (digests were removed)` });
  }
  if (input.maxRangeMs === undefined) return findings;
  for (const digest of digests) {
    const span = Date.parse(digest.range.end) - Date.parse(digest.range.start);
    if (span > input.maxRangeMs && digest !== first) findings.push({ kind: 'chain_broken', detail: `${digest.range.start} → ${digest.range.end} spans ${Math.round(span / 60_000)} min, longer than the schedule allows: digests before it may have been removed and the span digested again` });
  }
  const last = digests[digests.length - 1];
  const age = (input.now ?? new Date()).getTime() - (last ? Date.parse(last.range.end) : 0);
  if (last && age > input.maxRangeMs) findings.push({ kind: 'chain_broken', detail: `the newest digest ends at ${last.range.end}, ${Math.round(age / 60_000)} min ago: newer digests were removed, or the schedule stopped` });
  return findings;
}

function chainFindings(digests: readonly AuditDigest[], anchor: VerifyInput['anchor']): Finding[] {
  const findings: Finding[] = [];
  digests.forEach((digest, index) => {
    const previous = digests[index - 1];
    const where = `${digest.range.start} → ${digest.range.end}`;
    if (!previous) {
      if (anchor === 'genesis' && digest.previous_digest_hash !== null) {
        findings.push({ kind: 'chain_broken', detail: `${where}: its predecessor ${digest.previous_digest_hash} is missing (the first digest has none)` });
      }
      return;
    }
    if (digest.previous_digest_hash !== digestHash(previous)) {
      findings.push({ kind: 'chain_broken', detail: `${where}: names ${digest.previous_digest_hash} as its predecessor, but the digest before it is ${digestHash(previous)} (a digest was removed or replaced)` });
    }
    if (digest.range.start !== previous.range.end) {
      findings.push({ kind: 'chain_broken', detail: `${where}: starts at ${digest.range.start}, but the digest before it ends at ${previous.range.end} (a gap)` });
    }
  });
  return findings;
}

function rangeReport(digest: AuditDigest, ordered: readonly HashableRecord[], publicKey: KeyObject, keyId: string): RangeReport {
  const { start, end } = digest.range;
  const findings: Finding[] = [];
  if (digest.key_id !== keyId || !verifySignature(digest, publicKey)) {
    findings.push({ kind: 'bad_signature', detail: digest.signature ? `not signed by the key ${keyId}` : 'unsigned' });
  }
  if (digest.record_count !== digest.records.length || digest.records_hash !== recordsHash(digest.records.map(([, hash]) => hash))) {
    findings.push({ kind: 'digest_inconsistent', detail: 'its record count or records hash does not match its record list' });
  }
  // By event id, keeping every record: a forged record may reuse a real one's id.
  const stored = new Map<string, HashableRecord[]>();
  for (const record of ordered) {
    if (record.time < start || record.time >= end) continue;
    stored.set(record.event_id, [...(stored.get(record.event_id) ?? []), record]);
  }
  for (const [eventId, hash] of digest.records) {
    const candidates = stored.get(eventId) ?? [];
    const match = candidates.findIndex((record) => recordHash(record) === hash);
    if (match >= 0) candidates.splice(match, 1);
    else if (candidates.length > 0) {
      candidates.shift();
      findings.push({ kind: 'record_edited', event_id: eventId, detail: `record ${eventId} differs from its digested content` });
    } else findings.push({ kind: 'record_missing', event_id: eventId, detail: `record ${eventId} is listed in the digest but not in the store` });
  }
  for (const [eventId, extra] of stored) {
    for (const record of extra) findings.push({ kind: 'record_added', event_id: eventId, detail: `record ${eventId} at ${record.time} is in the range but was not in the digest (added after it)` });
  }
  return { range: digest.range, digest: digestHash(digest), records: digest.record_count, findings };
}
