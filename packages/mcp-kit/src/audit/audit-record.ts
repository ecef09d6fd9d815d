import { randomFillSync } from 'node:crypto';
import { z } from 'zod';
import { CLASSIFICATIONS, RISK_LEVELS } from '../tool/define-tool';

/**
 * `tool_allowed` is written before the handler runs; `tool_completed` after it, or
 * `tool_not_run` when an allowed call never reached its handler (the client went away,
 * or the protocol layer refused the message). A high-risk call adds `approval_requested`,
 * then `approval_decided` (by whom, which way) or `approval_expired`, then
 * `approval_executed` with the outcome, all carrying its approval id.
 */
export const AUDIT_EVENTS = [
  'tool_allowed',
  'tool_denied',
  'tool_completed',
  'tool_not_run',
  'auth_failed',
  'approval_requested',
  'approval_decided',
  'approval_expired',
  'approval_executed',
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

export const DECISIONS = ['allowed', 'denied'] as const;
export type Decision = (typeof DECISIONS)[number];

/** Why a call was allowed or refused. Stable values: alarms and queries key on them. */
export type DenialReason =
  | 'not_allowlisted'
  | 'definition_changed'
  | 'definition_not_pinned'
  | 'insufficient_scope'
  | 'rate_limited'
  | 'concurrency_limited'
  | 'invalid_input'
  /** A call policy (Cedar) forbade the call, or none permitted it. */
  | 'policy_denied'
  /** What the call acts on could not be read for its call policies. */
  | 'resource_unavailable'
  | 'approval_required'
  | 'governance_unavailable'
  | 'batch_not_supported'
  | 'not_governed'
  | `authentication:${string}`;

export const OUTCOMES = ['ok', 'tool_error', 'internal_error'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** One immutable audit record. `signature` is an HMAC over every other field (see signer.ts). */
export const AuditRecord = z.object({
  event_id: z.string(),
  event: z.enum(AUDIT_EVENTS),
  time: z.iso.datetime(),
  server: z.string(),
  server_version: z.string(),
  request_id: z.string(),
  call_id: z.string().optional(),
  tool: z.string().optional(),
  actor: z.object({ subject: z.string(), client_id: z.string() }).optional(),
  source: z.object({ ip: z.string().optional(), user_agent: z.string().optional() }),
  decision: z.enum(DECISIONS),
  reason: z.string(),
  risk: z.enum(RISK_LEVELS).optional(),
  /** Canonical JSON of the (redacted) arguments, cut at 8 KiB; then `arguments_sha256` covers the whole. */
  arguments: z.string().optional(),
  arguments_truncated: z.boolean().optional(),
  arguments_sha256: z.string().optional(),
  outcome: z.enum(OUTCOMES).optional(),
  output_classification: z.enum(CLASSIFICATIONS).optional(),
  duration_ms: z.number().int().nonnegative().optional(),
  approval_id: z.string().optional(),
  /** The call policies (Cedar `@id`s) that decided: the permits that allowed the call, or the forbids that refused it. */
  policies: z.array(z.string()).optional(),
  /**
   * The writer's chain: one id per writing process (a server, a Lambda instance), its records
   * numbered 1, 2, 3… and each naming the hash of the one before, so that a record deleted
   * from the middle of any writer's run shows at once as a gap (see writer-chains.ts).
   * `replaces`: the hash of the record this one stands in for at the same number — a call's
   * write-ahead record that its rate counters refused, so it was never written (the denial
   * was); a later record may name either as its predecessor.
   */
  writer: z.object({ id: z.string(), seq: z.number().int().positive(), prev: z.string().nullable(), replaces: z.string().optional() }).optional(),
  /** Which of its server's keys signed it (see signer.ts): keys rotate, old records stay verifiable. */
  key_id: z.string().optional(),
  signature: z.string(),
});
export type AuditRecord = z.output<typeof AuditRecord>;
export type UnsignedAuditRecord = Omit<AuditRecord, 'signature'>;

/** Time-ordered, unique event id: 12 hex digits of milliseconds, then 16 random hex digits. */
export function newEventId(now: Date): string {
  return `${now.getTime().toString(16).padStart(12, '0')}${randomHex8()}`;
}

/** Random bytes drawn 4 KiB at a time (as `randomUUID` does): one call to the system's source per 512 ids. */
const entropy = Buffer.alloc(4096);
let entropyUsed = entropy.length;

function randomHex8(): string {
  if (entropyUsed === entropy.length) {
    randomFillSync(entropy);
    entropyUsed = 0;
  }
  entropyUsed += 8;
  return entropy.toString('hex', entropyUsed - 8, entropyUsed);
}
