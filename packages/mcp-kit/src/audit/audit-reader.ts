import type { AuditRecord } from './audit-record';
import type { AuditAnomaly, AuditQuery, AuditStore } from './audit-store';
import { checkCallPairs, checkWriterChains, type TrailFinding } from './writer-chains';
import { recordsIn } from './digests/create-digest';
import type { DigestStore } from './digests/digest-store';
import { verifyAuditDigests, type AuditDigest, type VerifyReport } from './digests/digest-core';
import { exportLines } from './digests/digest-export';

/** Checks a record's signature with its own server's keys (`createRecordVerifier`). */
export interface RecordVerifier {
  verify(record: AuditRecord): boolean;
}

/** A record as auditors read it: with whether its signature still holds. */
export type CheckedRecord = AuditRecord & { readonly signature_valid: boolean };

/** What `verify` found over a time range: the records checked, and every sign of tampering. */
export interface TrailCheck {
  since: Date;
  until: Date;
  checked: number;
  /** Records that no longer match their signature. */
  tampered: AuditRecord[];
  /** Stored items that are not records as written. */
  anomalies: AuditAnomaly[];
  /** Writer gaps, broken links, calls without their outcome: judged on a whole range only. */
  findings: TrailFinding[];
  /** False when filters were given: chains and pairs were not judged (a filter leaves holes). */
  whole: boolean;
  ok: boolean;
}

/** The digest chain's state, from its first range to now. */
export interface ChainState {
  /** Where the digests are kept (a folder, a bucket). */
  description: string;
  /** The newest digest, if any. */
  last: AuditDigest | undefined;
  report: VerifyReport | undefined;
  /** Extra findings of the deployment (locally: the append-only digest index). */
  index: string[];
  ok: boolean;
}

export interface AuditReaderOptions {
  store: AuditStore;
  /** The verifier, or how to get the current one (keys read from a parameter store, cached by the loader). */
  verifier: RecordVerifier | (() => Promise<RecordVerifier>);
  digests: { store: DigestStore; publicKey(): Promise<string> };
  /** Checks beyond the chain itself, given the digests listed (locally, the digest index). */
  checkIndex?: (digests: readonly AuditDigest[]) => Promise<string[]>;
  /** What the schedule promises (see `verifyAuditDigests`). */
  chainStart?: string;
  maxRangeMs?: number;
}

/**
 * What auditors do with the trail, in one place for the CLI and the console: search it,
 * read one record, verify signatures, writer chains and call pairs over a range, check the
 * digest chain, and export a range with its digests for verification elsewhere.
 */
export function createAuditReader(options: AuditReaderOptions) {
  const { store } = options;
  const currentVerifier = async () => (typeof options.verifier === 'function' ? options.verifier() : options.verifier);
  const checker = async () => {
    const verifier = await currentVerifier();
    return (record: AuditRecord): CheckedRecord => ({ ...record, signature_valid: verifier.verify(record) });
  };
  return {
    async search(query: AuditQuery): Promise<{ records: CheckedRecord[]; anomalies: AuditAnomaly[]; cursor?: string }> {
      const [page, checked] = await Promise.all([store.query(query), checker()]);
      return { records: page.records.map(checked), anomalies: page.anomalies, ...(page.cursor ? { cursor: page.cursor } : {}) };
    },

    /** One record by its server, time and id (what a record's link carries). */
    async record(ref: { server: string; time: string; eventId: string }): Promise<CheckedRecord | undefined> {
      const at = new Date(ref.time);
      if (Number.isNaN(at.getTime())) return undefined;
      const checked = await checker();
      let cursor: string | undefined;
      do {
        const page = await store.query({ server: ref.server, since: at, until: new Date(at.getTime() + 1), limit: 100, cursor });
        const found = page.records.find((record) => record.event_id === ref.eventId);
        if (found) return checked(found);
        cursor = page.cursor;
      } while (cursor);
      return undefined;
    },

    async verify(query: Omit<AuditQuery, 'limit' | 'cursor'>): Promise<TrailCheck> {
      const verifier = await currentVerifier();
      const records: AuditRecord[] = [];
      const tampered: AuditRecord[] = [];
      const anomalies: AuditAnomaly[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.query({ ...query, limit: 1000, cursor });
        for (const record of page.records) (verifier.verify(record) ? records : tampered).push(record);
        anomalies.push(...page.anomalies);
        cursor = page.cursor;
      } while (cursor);
      const until = query.until ?? new Date();
      const whole = [query.actor, query.tool, query.decision, query.event, query.server, query.approvalId].every((filter) => filter === undefined);
      // Chains and pairs are judged on the records whose signatures hold.
      const findings = whole ? [...checkWriterChains(records), ...checkCallPairs(records, { since: query.since, until })] : [];
      return { since: query.since, until, checked: records.length + tampered.length + anomalies.length, tampered, anomalies, findings, whole, ok: tampered.length + anomalies.length + findings.length === 0 };
    },

    async chain(now: Date = new Date()): Promise<ChainState> {
      const digests = await options.digests.store.list();
      const index = options.checkIndex ? await options.checkIndex(digests) : [];
      const description = options.digests.store.description;
      if (digests.length === 0) return { description, last: undefined, report: undefined, index, ok: index.length === 0 };
      const records = await recordsIn(store, digests[0]!.range.start, new Date(now.getTime() + 1000).toISOString());
      const report = verifyAuditDigests({
        records,
        digests,
        publicKey: await options.digests.publicKey(),
        anchor: 'genesis',
        chainStart: options.chainStart,
        maxRangeMs: options.maxRangeMs,
        now,
      });
      return { description, last: digests.at(-1), report, index, ok: report.ok && index.length === 0 };
    },

    /** JSON Lines: the digests covering the period and every record of their ranges and after (whole ranges, so that they verify). */
    async exportSince(since: Date, now: Date = new Date()): Promise<{ text: string; digests: number; records: number; from: string }> {
      const wanted = since.toISOString();
      const digests = (await options.digests.store.list()).filter((digest) => digest.range.end > wanted);
      const first = digests[0]?.range.start ?? wanted;
      const from = first < wanted ? first : wanted;
      const records = await recordsIn(store, from, new Date(now.getTime() + 1000).toISOString());
      return { text: exportLines(digests, records), digests: digests.length, records: records.length, from };
    },
  };
}
export type AuditReader = ReturnType<typeof createAuditReader>;
