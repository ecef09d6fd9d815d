import type { AuditEntry } from '../audit/audit-trail';
import type { DenialReason } from '../audit/audit-record';
import { redact } from '../audit/redact';
import { InsufficientScopeError, TemporarilyUnavailableError } from '../errors/errors';
import type { GovernancePolicy } from '../governance/governance-policy';
import type { PinRefusal } from '../governance/pinned-allowlist';
import type { ConcurrencyLimiter } from '../limits/concurrency';
import { METRIC } from '../metrics/metrics';
import type { RegisteredTool } from '../tool/tool-set';
import { sanitizeToolName, type Caller, type RunVerdict, type ToolCallRequest, type Verdict } from './call';
import { admitCall } from './admit';
import { allowedRecord, announceDenial, denialEntry, recordDenial, type RecordDependencies } from './call-records';
import { countersFor } from './rate-limits';
import { validateInput } from './validate-input';
import { checkCallPolicies, type CallPolicyDependencies } from './check-call-policies';

export interface DecideDependencies<Deps> extends RecordDependencies, CallPolicyDependencies<Deps> {
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
 * input validation → call policies (Cedar) → concurrency → admission. Admission counts the call on its rate counters
 * and writes its record in one step (one round trip on DynamoDB): the write-ahead record of a
 * call that may run, or the denial of one refused by validation or concurrency — such calls
 * count too. A full counter refuses the call (429), its denial written in the record's place.
 * Every refusal is audited and logged; a call runs only once its write-ahead record is
 * durably written (no record, no run).
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

  // 3. Input validation, 5. concurrency: a call they refuse still counts, its denial as its record.
  const counters = countersFor(definition.name, caller.actor, deps.server, deps.policy);
  const refuse = (reason: DenialReason, verdict: Verdict<Deps>, extra: Partial<AuditEntry>, onAdmitted = () => undefined as void) => {
    const denial = { ...base, ...extra, reason };
    const admitted = () => {
      onAdmitted();
      announceDenial(denial, deps);
      return verdict;
    };
    return admitCall(denialEntry(denial), counters, admitted, deps);
  };

  const validated = validateInput(tool, call.arguments);
  if (!validated.ok) return refuse('invalid_input', { kind: 'refuse_invalid', message: validated.error.message }, { arguments: redact(call.arguments, definition.input) });
  const auditArguments = redact(validated.input, definition.input);

  // 4. Call policies: may refuse, or raise the risk this call runs at.
  const ruled = await checkCallPolicies(tool, validated.input, caller, deps);
  if (ruled.kind === 'refuse') return refuse(ruled.reason, { kind: 'refuse_invalid', message: ruled.message }, { arguments: auditArguments, policies: ruled.policies });
  const governed = { tool: ruled.tool, ...(ruled.policies ? { policies: ruled.policies } : {}) };

  const slot = deps.concurrency.tryAcquire(deps.policy.limits.max_concurrency);
  if (!slot) {
    const error = new TemporarilyUnavailableError('Too many calls in progress on this server; retry shortly', 1);
    return refuse('concurrency_limited', { kind: 'http', error }, { arguments: auditArguments }, () => deps.metrics.count(METRIC.concurrencyLimited, { server: deps.server }));
  }

  // 6. Admission: the rate counters and the write-ahead record together; fail closed.
  const verdict: RunVerdict<Deps> = { kind: 'run', callId: String(call.id), ...governed, input: validated.input, auditArguments, slot };
  const decided = await admitCall(allowedRecord(verdict, caller), counters, () => verdict, deps);
  if (decided !== verdict) slot.release();
  return decided;
}
