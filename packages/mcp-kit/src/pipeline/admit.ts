import type { AuditEntry } from '../audit/audit-trail';
import { RateLimitedError, TemporarilyUnavailableError } from '../errors/errors';
import type { Counter, Refusal } from '../audit/call-admission';
import { METRIC } from '../metrics/metrics';
import type { Verdict } from './call';
import { announceDenial, denialEntry, recordDenial, type RecordDependencies } from './call-records';
import { RETRY_AFTER_SECONDS } from './rate-limits';

/**
 * Counts a call on its rate counters and writes its record, in one step (AuditTrail.admit):
 * admitted, the call gets `admitted()`; a full counter refuses it (429) and counters too
 * contended to take it now refuse it (503), its denial written in the record's place; a store
 * that cannot say refuses it too (503, fail closed).
 */
export async function admitCall<Deps>(entry: AuditEntry, counters: readonly Counter[], admitted: () => Verdict<Deps>, deps: RecordDependencies): Promise<Verdict<Deps>> {
  const tool = entry.tool ?? '';
  const refused = (refusal: Refusal) => {
    const denial = { ...entry, reason: 'counter' in refusal ? ('rate_limited' as const) : ('governance_unavailable' as const) };
    announceDenial(denial, deps);
    return denialEntry(denial);
  };
  try {
    const admission = await deps.audit.admit(entry, counters, refused);
    if (admission.admitted) return admitted();
    if ('contended' in admission) return { kind: 'http', error: new TemporarilyUnavailableError('Too many calls are being counted at once; retry shortly', 1) };
    deps.metrics.count(METRIC.rateLimited, { server: deps.server, tool });
    return { kind: 'http', error: new RateLimitedError(tool, admission.retryAfterSeconds) };
  } catch (cause) {
    deps.logger.error('call admission failed', { requestId: entry.origin.requestId, subject: entry.actor?.subject, tool, error: cause as Error });
    await recordDenial({ ...entry, reason: 'governance_unavailable' }, deps);
    const error = new TemporarilyUnavailableError('The call cannot be counted and recorded right now, so it does not run; retry shortly', RETRY_AFTER_SECONDS, { cause });
    return { kind: 'http', error };
  }
}
