import { InsufficientScopeError, RateLimitedError, TemporarilyUnavailableError, type KitError } from '../errors';
import type { Actor } from '../auth/actor';
import type { AuditEntry, AuditTrail, RequestOrigin } from '../audit/audit-trail';
import type { DenialReason } from '../audit/audit-record';
import { redact } from '../audit/redact';
import type { ConcurrencyLimiter, Slot } from '../limits/concurrency';
import type { RateLimiter } from '../limits/rate-limiter';
import { METRIC, type Metrics } from '../metrics/metrics';
import type { Logger } from '../logging/logger';
import type { RegisteredTool } from '../tool/tool-set';
import { validateInput } from '../mcp/call-tool';
import type { GovernancePolicy, Limit } from './governance-policy';
import type { PinRefusal } from './pinned-allowlist';

/** One `tools/call` as it arrived. */
export interface ToolCallRequest {
  id: string | number;
  name: string;
  arguments: unknown;
}

/** What the gate decided for one call. */
export type Verdict<Deps = unknown> =
  /** Allowed: the decision record is written; run exactly this input while holding the slot. */
  | { kind: 'run'; callId: string; tool: RegisteredTool<Deps>; input: unknown; auditArguments: unknown; slot: Slot }
  /** Refused in-band (MCP error or tool error), so the client and model see it in the protocol. */
  | { kind: 'refuse_unknown'; name: string }
  | { kind: 'refuse_invalid'; message: string }
  /** Refused at the HTTP layer with a status the kit's error table maps. */
  | { kind: 'http'; error: KitError };

export interface GovernDependencies<Deps> {
  server: string;
  audit: AuditTrail;
  rateLimiter: RateLimiter;
  concurrency: ConcurrencyLimiter;
  metrics: Metrics;
  logger: Logger;
  allowed: ReadonlyMap<string, RegisteredTool<Deps>>;
  /** Allowlisted names not served because their pin does not match (refused as unknown, audited with the reason). */
  refused?: ReadonlyMap<string, PinRefusal>;
  policy: GovernancePolicy;
}

const RETRY_AFTER_SECONDS = 5;

/**
 * The governed path of one call, in order: allowlist → scope → rate limits → input
 * validation → concurrency → write-ahead decision record. Every refusal is audited and
 * logged; the call is allowed only once its decision record is durably written.
 */
export async function governCall<Deps>(
  call: ToolCallRequest,
  actor: Actor,
  origin: RequestOrigin,
  deps: GovernDependencies<Deps>,
): Promise<Verdict<Deps>> {
  const tool = deps.allowed.get(call.name);
  const base: Omit<AuditEntry, 'decision' | 'reason' | 'event'> = {
    origin,
    actor,
    callId: String(call.id),
    tool: tool ? tool.definition.name : sanitizeToolName(call.name),
    risk: tool?.definition.risk,
  };
  const deny = (reason: DenialReason, verdict: Verdict<Deps>, extra: Partial<AuditEntry> = {}) =>
    recordDenial({ ...base, ...extra, reason }, verdict, deps);

  if (!tool) return deny(deps.refused?.get(call.name) ?? 'not_allowlisted', { kind: 'refuse_unknown', name: call.name });
  const { definition } = tool;

  if (!actor.scopes.has(definition.scope)) {
    return deny('insufficient_scope', { kind: 'http', error: new InsufficientScopeError(definition.name, definition.scope) });
  }

  const limited = await checkRateLimits(definition.name, actor, deps);
  if (limited instanceof RateLimitedError) {
    deps.metrics.count(METRIC.rateLimited, { server: deps.server, tool: definition.name });
    return deny('rate_limited', { kind: 'http', error: limited });
  }
  if (limited) return deny('governance_unavailable', { kind: 'http', error: limited });

  const validated = validateInput(tool, call.arguments);
  if (!validated.ok) {
    return deny('invalid_input', { kind: 'refuse_invalid', message: validated.error.message }, { arguments: redact(call.arguments, definition.input) });
  }
  const auditArguments = redact(validated.input, definition.input);

  const slot = deps.concurrency.tryAcquire(deps.policy.limits.max_concurrency);
  if (!slot) {
    deps.metrics.count(METRIC.concurrencyLimited, { server: deps.server });
    const error = new TemporarilyUnavailableError('Too many calls in progress on this server; retry shortly', 1);
    return deny('concurrency_limited', { kind: 'http', error }, { arguments: auditArguments });
  }

  try {
    await deps.audit.record({ ...base, event: 'tool_allowed', decision: 'allowed', reason: 'policy_allowed', arguments: auditArguments });
  } catch (cause) {
    slot.release();
    const error = new TemporarilyUnavailableError('The audit trail cannot be written, so no tool can run; retry shortly', RETRY_AFTER_SECONDS, { cause });
    return { kind: 'http', error };
  }
  return { kind: 'run', callId: String(call.id), tool, input: validated.input, auditArguments, slot };
}

/** Counts, logs and records a refusal. The refusal stands even when its record cannot be written. */
export async function recordDenial<V>(
  entry: Omit<AuditEntry, 'decision' | 'event'> & { reason: DenialReason },
  verdict: V,
  deps: Pick<GovernDependencies<unknown>, 'server' | 'audit' | 'metrics' | 'logger'>,
): Promise<V> {
  deps.metrics.count(METRIC.toolDenied, { server: deps.server, reason: entry.reason });
  deps.logger.info('tool call denied', { requestId: entry.origin.requestId, subject: entry.actor?.subject, tool: entry.tool, reason: entry.reason });
  await deps.audit.record({ ...entry, event: 'tool_denied', decision: 'denied' }).catch(() => {
    // Already counted and logged with the full record by the audit trail.
  });
  return verdict;
}

async function checkRateLimits<Deps>(tool: string, actor: Actor, deps: GovernDependencies<Deps>): Promise<KitError | undefined> {
  const { limits } = deps.policy;
  const checks: { key: string; limit: Limit | undefined }[] = [
    { key: `actor:${deps.server}:${tool}:${actor.subject}`, limit: Object.hasOwn(limits.tools, tool) ? limits.tools[tool] : limits.per_actor_per_tool },
    { key: `server:${deps.server}`, limit: limits.per_server },
  ];
  for (const { key, limit } of checks) {
    if (!limit) continue;
    try {
      const decision = await deps.rateLimiter.consume(key, limit);
      if (!decision.allowed) return new RateLimitedError(tool, decision.retryAfterSeconds);
    } catch (cause) {
      deps.logger.error('rate limit store failed', { subject: actor.subject, tool, error: cause as Error });
      return new TemporarilyUnavailableError('Rate limits cannot be checked right now; retry shortly', RETRY_AFTER_SECONDS, { cause });
    }
  }
  return undefined;
}

/** Unknown names come from the caller: keep the audit record bounded and printable. */
export function sanitizeToolName(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, '?').slice(0, 128);
}
