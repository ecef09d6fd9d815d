import { createHash, randomUUID } from 'node:crypto';
import type { Actor } from '../auth/actor';
import type { Classification, RiskLevel } from '../tool/define-tool';
import { METRIC, type Metrics } from '../metrics/metrics';
import type { Logger } from '../logging/logger';
import { newEventId, type AuditEvent, type AuditRecord, type Decision, type Outcome } from './audit-record';
import type { AuditStore } from './audit-store';
import { canonicalJson } from '../signing/canonical-json';
import type { RecordSigner } from './signer';
import { recordHash } from './digests/digest-core';
import type { Admission, CallAdmission, Counter, Refusal } from './call-admission';

const MAX_ARGUMENTS_CHARS = 8192;

/**
 * This process's place in the audit trail: an id of its own, and the number and hash of the
 * last record it signed. Numbers are taken when a record is built (records are written
 * concurrently, so they may land out of order; verify sorts them).
 */
function writerChain(server: string) {
  const id = `${server}/${randomUUID()}`;
  let seq = 0;
  let prev: string | null = null;
  return {
    link(sign: (writer: WriterLink) => AuditRecord): AuditRecord {
      seq += 1;
      const record = sign({ id, seq, prev });
      prev = recordHash(record);
      return record;
    },
    /** A record in the place of one that was never written: same number and predecessor, naming what it replaces. */
    replace(unwritten: AuditRecord, sign: (writer: WriterLink) => AuditRecord): AuditRecord {
      const replaced = recordHash(unwritten);
      const record = sign({ ...unwritten.writer!, replaces: replaced });
      if (prev === replaced) prev = recordHash(record);
      return record;
    },
  };
}

type WriterLink = NonNullable<AuditRecord['writer']>;

/** Where a request came from, as far as the server can tell. */
export interface RequestOrigin {
  requestId: string;
  ip?: string;
  userAgent?: string;
}

export interface AuditEntry {
  event: AuditEvent;
  decision: Decision;
  reason: string;
  origin: RequestOrigin;
  actor?: Actor;
  tool?: string;
  callId?: string;
  risk?: RiskLevel;
  arguments?: unknown;
  outcome?: Outcome;
  outputClassification?: Classification;
  durationMs?: number;
  approvalId?: string;
  /** The call policies that decided (see AuditRecord.policies). */
  policies?: readonly string[];
}

/** Builds, signs and appends audit records for one server. */
export interface AuditTrail {
  /** Resolves once the record is durably written; rejects (and counts the failure) otherwise. */
  record(entry: AuditEntry): Promise<AuditRecord>;
  /**
   * Counts a call on its rate counters and writes its record, both or neither (see
   * CallAdmission). When the call is refused (a full counter, or counters too contended), the
   * record `refusal` builds is written in its place (best effort: the refusal stands without
   * it). Rejects (and counts the failure) when the store cannot say.
   */
  admit(entry: AuditEntry, counters: readonly Counter[], refusal: (refused: Refusal) => AuditEntry): Promise<Admission>;
}

export function createAuditTrail(options: {
  server: string;
  serverVersion: string;
  store: AuditStore;
  signer: RecordSigner;
  metrics: Metrics;
  logger: Logger;
  /** How calls are counted and their write-ahead records written together (records only, without one). */
  admission?: CallAdmission;
  clock?: () => Date;
}): AuditTrail {
  const clock = options.clock ?? (() => new Date());
  const chain = writerChain(options.server);
  const admission = options.admission ?? recordsOnly(options.store);
  const signed = (entry: AuditEntry) => (writer: WriterLink) => options.signer.sign(unsignedRecord(entry, writer, clock(), options));
  const failed = (entry: AuditEntry, record: AuditRecord, error: unknown) => {
    options.metrics.count(METRIC.auditWriteFailures, { server: options.server });
    // The signed record goes to the log, so that it survives the store's failure.
    options.logger.error('audit write failed', { requestId: entry.origin.requestId, subject: entry.actor?.subject, record, error: error as Error });
    return error;
  };
  return {
    async record(entry) {
      const record = chain.link(signed(entry));
      await options.store.append(record).catch((error: unknown) => Promise.reject(failed(entry, record, error)));
      return record;
    },

    async admit(entry, counters, refusal) {
      const record = chain.link(signed(entry));
      const decision = await admission.admit(record, counters).catch((error: unknown) => Promise.reject(failed(entry, record, error)));
      if (!decision.admitted) {
        const denial = refusal(decision);
        const replacement = chain.replace(record, signed(denial));
        await options.store.append(replacement).catch((error: unknown) => failed(denial, replacement, error));
      }
      return decision;
    },
  };
}

/** Without rate counters to keep, admission is the record alone; a call that names counters fails closed. */
function recordsOnly(store: AuditStore): CallAdmission {
  return {
    async admit(record, counters) {
      if (counters.length > 0) throw new Error('This audit trail keeps no rate counters (no admission configured): the call cannot be counted');
      await store.append(record);
      return { admitted: true };
    },
  };
}

function unsignedRecord(entry: AuditEntry, writer: WriterLink, now: Date, options: { server: string; serverVersion: string }) {
  return {
    event_id: newEventId(now),
    event: entry.event,
    time: now.toISOString(),
    server: options.server,
    server_version: options.serverVersion,
    request_id: entry.origin.requestId,
    call_id: entry.callId,
    tool: entry.tool,
    actor: entry.actor && { subject: entry.actor.subject, client_id: entry.actor.clientId },
    source: { ip: entry.origin.ip, user_agent: entry.origin.userAgent },
    decision: entry.decision,
    reason: entry.reason,
    risk: entry.risk,
    ...argumentsFields(entry.arguments),
    outcome: entry.outcome,
    output_classification: entry.outputClassification,
    duration_ms: entry.durationMs === undefined ? undefined : Math.round(entry.durationMs),
    approval_id: entry.approvalId,
    policies: entry.policies?.length ? [...entry.policies] : undefined,
    writer,
  };
}

/**
 * Arguments as canonical JSON text: every value representable whatever its size or
 * numeric range, bounded so that a caller cannot make a record exceed the store's limits.
 */
function argumentsFields(value: unknown): Pick<AuditRecord, 'arguments' | 'arguments_truncated' | 'arguments_sha256'> {
  if (value === undefined) return {};
  const json = canonicalJson(value);
  if (json.length <= MAX_ARGUMENTS_CHARS) return { arguments: json };
  return {
    arguments: json.slice(0, MAX_ARGUMENTS_CHARS),
    arguments_truncated: true,
    arguments_sha256: createHash('sha256').update(json).digest('hex'),
  };
}
