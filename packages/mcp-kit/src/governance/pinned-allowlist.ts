import type { Logger } from '../logging/logger';
import { METRIC, type Metrics } from '../metrics/metrics';
import { withPolicyRisk, withPossibleApproval } from '../tool/raise-risk';
import type { CallPolicies } from '../cedar/call-policies';
import type { RegisteredTool } from '../tool/tool-set';
import type { GovernancePolicy } from './governance-policy';

/** Why an allowlisted name is not served: the entry pins no definition, or another one. */
export type PinRefusal = 'definition_changed' | 'definition_not_pinned';

export interface AllowedTools<Deps> {
  /** The tools this policy allows, each as its entry approved it (risk raised if the entry says so). */
  readonly allowed: ReadonlyMap<string, RegisteredTool<Deps>>;
  /** Allowlisted names whose pin does not match the served definition: invisible, and refused as such. */
  readonly refused: ReadonlyMap<string, PinRefusal>;
}

/** Whether an allowlist entry approves exactly this definition (fail closed: no pin, no tool). */
export function pinOf(entry: { definition?: string }, tool: RegisteredTool<unknown>): PinRefusal | undefined {
  if (!entry.definition) return 'definition_not_pinned';
  return entry.definition === tool.definitionHash ? undefined : 'definition_changed';
}

/**
 * The allowed tools of one policy snapshot, computed once per snapshot (the cached policy
 * objects change only when they are re-read). A tool whose call policies may require approval
 * answers either its output or a pending approval, and says so in its output schema. Each pin refusal is logged and counted once per
 * snapshot; each refused call is audited and counted by the gate.
 */
export function pinnedAllowlist<Deps>(tools: ReadonlyMap<string, RegisteredTool<Deps>>, deps: { server: string; logger: Logger; metrics: Metrics }) {
  let last: { policy: GovernancePolicy; callPolicies?: CallPolicies; result: AllowedTools<Deps> } | undefined;
  return (policy: GovernancePolicy, callPolicies?: CallPolicies): AllowedTools<Deps> => {
    if (last?.policy === policy && last.callPolicies === callPolicies) return last.result;
    const allowed = new Map<string, RegisteredTool<Deps>>();
    const refused = new Map<string, PinRefusal>();
    for (const entry of policy.tools) {
      const tool = tools.get(entry.name);
      if (!tool) continue;
      const refusal = pinOf(entry, tool as RegisteredTool<unknown>);
      if (refusal) {
        refused.set(entry.name, refusal);
        deps.metrics.count(METRIC.definitionMismatch, { server: deps.server, tool: entry.name });
        deps.logger.warn('allowlisted tool not served: its definition is not the pinned one', {
          tool: entry.name,
          reason: refusal,
          pinned: entry.definition,
          served: tool.definitionHash,
        });
      } else {
        const served = withPolicyRisk(tool, entry.risk);
        allowed.set(entry.name, callPolicies?.mayRequire(entry.name, 'approval') ? withPossibleApproval(served) : served);
      }
    }
    last = { policy, callPolicies, result: { allowed, refused } };
    return last.result;
  };
}
