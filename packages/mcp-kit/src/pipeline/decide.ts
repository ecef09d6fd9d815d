import type { AuditEntry } from '../audit/audit-trail';
import type { DenialReason } from '../audit/audit-record';
import { redact } from '../audit/redact';
import { InsufficientScopeError, RateLimitedError, TemporarilyUnavailableError } from '../errors/errors';
import type { GovernancePolicy } from '../governance/governance-policy';
import type { PinRefusal } from '../governance/pinned-allowlist';
import type { ConcurrencyLimiter } from '../limits/concurrency';
import type { RateLimiter } from '../limits/rate-limiter';
import { METRIC } from '../metrics/metrics';
import type { RegisteredTool } from '../tool/tool-set';
import { sanitizeToolName, type Caller, type RunVerdict, type ToolCallRequest, type Verdict } from './call';
import { recordAllowed, recordDenial, type RecordDependencies } from './call-records';
import { checkRateLimits, RETRY_AFTER_SECONDS } from './rate-limits';
import { validateInput } from './validate-input';

export interface DecideDependencies<Deps> extends RecordDependencies {
  rateLimiter: RateLimiter;
  concurrency: ConcurrencyLimiter;
  /** The policy snapshot this request is decided under. */
  policy: GovernancePolicy;
  /** The tools it allows, each pinned to the definition its entry approved. */
  allowed: ReadonlyMap<string, RegisteredTool<Deps>>;
  /** Allowlisted names not served because their pin does not match (refused as unknown, audited with the reason). */
  refused?: ReadonlyMap<string, PinRefusal>;
}

/**
 * The decisions taken for one call before the SDK sees it, in order: allowlist → scope →
 * rate limits → input validation → concurrency → write-ahead record. Every refusal is
 * audited and logged; the call is allowed only once its write-ahead record is durably
 * written (no record, no run).
 */
export async function decideCall<Deps>(call: ToolCallRequest, caller: Caller, deps: DecideDependencies<Deps>): Promise<Verdict<Deps>> {
  const tool = deps.allowed.get(call.name);
  const base: Omit<AuditEntry, 'decision' | 'reason' | 'event'> = {
    ...caller,
    callId: String(call.id),
    tool: tool ? tool.definition.name : sanitizeToolName(call.name),
    risk: tool?.definition.risk,
  };
  const deny = async (reason: DenialReason, verdict: Verdict<Deps>, extra: Partial<AuditEntry> = {}) => {
    await recordDenial({ ...base, ...extra, reason }, deps);
    return verdict;
  };

  // 1. Allowlist: a tool not on it (or not pinned to this definition) is unknown to the caller.
  if (!tool) return deny(deps.refused?.get(call.name) ?? 'not_allowlisted', { kind: 'refuse_unknown', name: call.name });
  const { definition } = tool;

  // 2. Scope.
  if (!caller.actor.scopes.has(definition.scope)) {
    return deny('insufficient_scope', { kind: 'http', error: new InsufficientScopeError(definition.name, definition.scope) });
  }

  // 3. Rate limits.
  const limited = await checkRateLimits(definition.name, caller.actor, deps);
  if (limited instanceof RateLimitedError) {
    deps.metrics.count(METRIC.rateLimited, { server: deps.server, tool: definition.name });
    return deny('rate_limited', { kind: 'http', error: limited });
  }
  if (limited) return deny('governance_unavailable', { kind: 'http', error: limited });

  // 4. Input validation.
  const validated = validateInput(tool, call.arguments);
  if (!validated.ok) {
    return deny('invalid_input', { kind: 'refuse_invalid', message: validated.error.message }, { arguments: redact(call.arguments, definition.input) });
  }
  const auditArguments = redact(validated.input, definition.input);

  // 5. Concurrency.
  const slot = deps.concurrency.tryAcquire(deps.policy.limits.max_concurrency);
  if (!slot) {
    deps.metrics.count(METRIC.concurrencyLimited, { server: deps.server });
    const error = new TemporarilyUnavailableError('Too many calls in progress on this server; retry shortly', 1);
    return deny('concurrency_limited', { kind: 'http', error }, { arguments: auditArguments });
  }

  // 6. Write-ahead record: fail closed.
  const verdict: RunVerdict<Deps> = { kind: 'run', callId: String(call.id), tool, input: validated.input, auditArguments, slot };
  try {
    await recordAllowed(verdict, caller, deps);
  } catch (cause) {
    slot.release();
    const error = new TemporarilyUnavailableError('The audit trail cannot be written, so no tool can run; retry shortly', RETRY_AFTER_SECONDS, { cause });
    return { kind: 'http', error };
  }
  return verdict;
}
