import type { AuditEntry, AuditTrail } from '../audit/audit-trail';
import type { DenialReason, Outcome } from '../audit/audit-record';
import type { Logger } from '../logging/logger';
import { METRIC, type Metrics } from '../metrics/metrics';
import type { Classification } from '../tool/define-tool';
import type { Caller, RunVerdict } from './call';

/** Where a call's records go, and what counts and logs them. */
export interface RecordDependencies {
  server: string;
  audit: AuditTrail;
  metrics: Metrics;
  logger: Logger;
}

export type DenialEntry = Omit<AuditEntry, 'decision' | 'event'> & { reason: DenialReason };

/** The record of a refusal (`tool_denied`). */
export function denialEntry(entry: DenialEntry): AuditEntry {
  return { ...entry, event: 'tool_denied', decision: 'denied' };
}

/** Counts and logs a refusal. */
export function announceDenial(entry: DenialEntry, deps: RecordDependencies): void {
  deps.metrics.count(METRIC.toolDenied, { server: deps.server, reason: entry.reason });
  deps.logger.info('tool call denied', { requestId: entry.origin.requestId, subject: entry.actor?.subject, tool: entry.tool, reason: entry.reason });
}

/** Counts, logs and records a refusal. The refusal stands even when its record cannot be written. */
export async function recordDenial(entry: DenialEntry, deps: RecordDependencies): Promise<void> {
  announceDenial(entry, deps);
  await deps.audit.record(denialEntry(entry)).catch(() => {
    // Already counted and logged with the full record by the audit trail.
  });
}

/** What every record of an allowed call says about it. */
function callEntry<Deps>(verdict: RunVerdict<Deps>, caller: Caller) {
  return {
    origin: caller.origin,
    actor: caller.actor,
    callId: verdict.callId,
    tool: verdict.tool.definition.name,
    risk: verdict.tool.definition.risk,
    arguments: verdict.auditArguments,
    policies: verdict.policies,
  };
}

/** The write-ahead record (`tool_allowed`): once it is durably written, and only then, the call may run. */
export function allowedRecord<Deps>(verdict: RunVerdict<Deps>, caller: Caller): AuditEntry {
  return { ...callEntry(verdict, caller), event: 'tool_allowed', decision: 'allowed', reason: 'policy_allowed' };
}

/**
 * An allowed call that did not reach its handler (`tool_not_run`): waiting for or refused
 * confirmation, or abandoned by a client that went away. The one place this record is built.
 */
export async function recordNotRun<Deps>(verdict: RunVerdict<Deps>, caller: Caller, reason: string, deps: RecordDependencies): Promise<void> {
  await deps.audit
    .record({ ...callEntry(verdict, caller), event: 'tool_not_run', decision: 'allowed', reason })
    .catch(() => deps.metrics.count(METRIC.outcomeNotRecorded, { server: deps.server }));
}

/** The outcome record (`tool_completed`), with the output's classification; a lost one is counted (its signed text is in the error log). */
export async function recordOutcome<Deps>(
  verdict: RunVerdict<Deps>,
  caller: Caller,
  outcome: { outcome: Outcome; classification: Classification; durationMs: number },
  deps: RecordDependencies,
): Promise<void> {
  await deps.audit
    .record({
      ...callEntry(verdict, caller),
      event: 'tool_completed',
      decision: 'allowed',
      reason: 'completed',
      outcome: outcome.outcome,
      outputClassification: outcome.classification,
      durationMs: outcome.durationMs,
    })
    .catch(() => deps.metrics.count(METRIC.outcomeNotRecorded, { server: deps.server }));
}
