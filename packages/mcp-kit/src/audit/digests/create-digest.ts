import type { AuditRecord } from '../audit-record';
import type { AuditStore } from '../audit-store';
import { digestHash, inDigestOrder, recordHash, recordsHash, DIGEST_VERSION, type AuditDigest } from './digest-core';
import type { DigestSigner } from './digest-signer';
import type { DigestStore } from './digest-store';

export interface DigestOptions {
  store: AuditStore;
  digests: DigestStore;
  signer: DigestSigner;
  now?: Date;
  /**
   * Records are written just after their `time`: a range ends this long before now, so that
   * none lands in a range already digested (0 when every writer has stopped, as at shutdown).
   */
  settleMs?: number;
  /** Where the first digest's range starts (the chain's genesis). */
  firstStart?: Date;
}

const PAGE = 1000;

/**
 * Digests the records written since the last digest: their ids and content hashes, in
 * order, chained to the previous digest and signed. A range without records still gets a
 * digest (evidence that it was empty); undefined when the range has not begun yet (the
 * last digest is that recent, or the chain starts in the future).
 */
export async function createAuditDigest(options: DigestOptions): Promise<AuditDigest | undefined> {
  const now = options.now ?? new Date();
  const previous = await options.digests.latest();
  const start = previous?.range.end ?? (options.firstStart ?? new Date(now.getTime() - 30 * 86_400_000)).toISOString();
  const end = new Date(now.getTime() - (options.settleMs ?? 60_000)).toISOString();
  if (end <= start) return undefined;
  const records = inDigestOrder(await recordsIn(options.store, start, end));
  const hashes = records.map((record) => recordHash(record));
  const digest = await options.signer.sign({
    version: DIGEST_VERSION,
    range: { start, end },
    record_count: records.length,
    records: records.map((record, index) => [record.event_id, hashes[index]!]),
    records_hash: recordsHash(hashes),
    previous_digest_hash: previous ? digestHash(previous) : null,
    created_at: now.toISOString(),
  });
  await options.digests.put(digest);
  return digest;
}

/** Every record with start <= time < end (the store's ranges include their end). */
export async function recordsIn(store: AuditStore, start: string, end: string): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ since: new Date(start), until: new Date(end), limit: PAGE, cursor });
    records.push(...page.records.filter((record) => record.time >= start && record.time < end));
    cursor = page.cursor;
  } while (cursor);
  return records;
}
