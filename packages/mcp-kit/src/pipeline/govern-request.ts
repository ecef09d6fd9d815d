import { InvalidRequestError, type KitError } from '../errors/errors';
import type { GovernancePolicy } from '../governance/governance-policy';
import type { AllowedTools } from '../governance/pinned-allowlist';
import type { CallPolicies } from '../cedar/call-policies';
import type { RegisteredTool } from '../tool/tool-set';
import { sanitizeToolName, type Caller, type ToolCallRequest } from './call';
import { recordDenial } from './call-records';
import { decideCall, type DecideDependencies } from './decide';
import type { CallVerdicts } from './verdicts';

/** The governance state of one request: what its caller may see, and the verdict of each of its calls. */
export interface GovernedRequest<Deps = unknown> {
  readonly allowed: ReadonlyMap<string, RegisteredTool<Deps>>;
  readonly verdicts: CallVerdicts<Deps>;
}

export type GovernRequestDependencies<Deps> = Omit<DecideDependencies<Deps>, 'policy' | 'allowed' | 'refused' | 'callPolicies'> & {
  /** The current policy snapshot (allowlist and call policies), and the tools it allows. */
  policy(): Promise<{ policy: GovernancePolicy; callPolicies?: CallPolicies } & AllowedTools<Deps>>;
};

/**
 * Decides every `tools/call` of a request before the MCP layer sees it, under one policy
 * snapshot. A refusal with an HTTP meaning (403 scope, 429 rate, 503 retry, a batch) ends the
 * request with that error; the rest travel to the MCP layer as verdicts, which it honours.
 */
export async function governRequest<Deps>(
  calls: { batched: boolean; calls: readonly ToolCallRequest[] },
  caller: Caller,
  verdicts: CallVerdicts<Deps>,
  deps: GovernRequestDependencies<Deps>,
): Promise<{ governed: GovernedRequest<Deps> } | { refusal: KitError }> {
  const { policy, callPolicies, allowed, refused } = await deps.policy();
  if (calls.batched && calls.calls.length > 0) {
    // JSON-RPC batches were dropped from MCP in 2025-06-18; tool calls are never batched here.
    for (const call of calls.calls) await recordDenial({ ...caller, callId: String(call.id), tool: sanitizeToolName(call.name), reason: 'batch_not_supported' }, deps);
    return { refusal: new InvalidRequestError('Batched tools/call requests are not supported') };
  }
  for (const call of calls.calls) {
    const verdict = await decideCall(call, caller, { ...deps, policy, callPolicies, allowed, refused });
    verdicts.set(call.id, verdict);
    if (verdict.kind === 'http') return { refusal: verdict.error };
  }
  return { governed: { allowed, verdicts } };
}
