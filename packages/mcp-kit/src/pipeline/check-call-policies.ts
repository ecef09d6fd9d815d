import type { DenialReason } from '../audit/audit-record';
import { toolResource, type CallPolicies, type CallResource, type Requirement } from '../cedar/call-policies';
import { ToolError } from '../errors/errors';
import type { Logger } from '../logging/logger';
import type { RiskLevel, ToolContext } from '../tool/define-tool';
import { withPolicyRisk } from '../tool/raise-risk';
import { appError, type RegisteredTool } from '../tool/tool-set';
import type { Caller } from './call';

export type CallPolicyCheck<Deps> =
  /** Run `tool` (its risk raised when a permit requires approval or confirmation). */
  | { kind: 'pass'; tool: RegisteredTool<Deps>; policies?: readonly string[] }
  | { kind: 'refuse'; reason: DenialReason; message: string; policies?: readonly string[] };

export interface CallPolicyDependencies<Deps> {
  /** The call policies of the current snapshot; none: every call keeps the allowlist's decision alone. */
  callPolicies?: CallPolicies;
  /** What a tool's resource loader runs with (the app's adapters, as its handler gets them). */
  toolContext: (caller: Caller) => ToolContext<Deps>;
  logger: Logger;
}

const RAISED_TO: Record<Requirement, RiskLevel> = { confirmation: 'medium', approval: 'high' };

/**
 * The call policies' decision on one validated call, for tools that any policy names: the
 * resource it acts on is read, then Cedar decides — forbid wins, no permit refuses, a permit
 * may raise the call's risk (never lower it). Arguments or a resource Cedar cannot evaluate
 * are refused as invalid input, never let through.
 */
export async function checkCallPolicies<Deps>(tool: RegisteredTool<Deps>, input: unknown, caller: Caller, deps: CallPolicyDependencies<Deps>): Promise<CallPolicyCheck<Deps>> {
  const policies = deps.callPolicies;
  const { definition } = tool;
  if (!policies?.governs(definition.name)) {
    if (definition.callPolicy !== 'required') return { kind: 'pass', tool };
    return { kind: 'refuse', reason: 'policy_denied', message: `${definition.name} runs only under a call policy, and this server has none for it. Nothing was changed.` };
  }
  const resource = await resourceOf(tool, input, caller, deps);
  if ('refusal' in resource) return { kind: 'refuse', reason: 'resource_unavailable', message: resource.refusal };
  const decision = await policies.decide({ tool: definition.name, actor: caller.actor, input, resource });
  switch (decision.kind) {
    case 'invalid':
      return { kind: 'refuse', reason: 'invalid_input', message: `Invalid arguments for ${definition.name}: ${decision.message}` };
    case 'deny':
      return { kind: 'refuse', reason: 'policy_denied', message: decision.message, policies: decision.policies };
    case 'allow':
      return { kind: 'pass', tool: decision.requires ? withPolicyRisk(tool, RAISED_TO[decision.requires]) : tool, policies: decision.policies };
  }
}

async function resourceOf<Deps>(tool: RegisteredTool<Deps>, input: unknown, caller: Caller, deps: CallPolicyDependencies<Deps>): Promise<CallResource | { refusal: string }> {
  const declared = tool.definition.resource;
  if (!declared) return toolResource(tool.definition);
  try {
    const loaded = await declared.load(input as never, deps.toolContext(caller));
    return { type: declared.type, id: loaded.id, attributes: loaded.attributes };
  } catch (thrown) {
    const error = appError(tool, thrown);
    if (error instanceof ToolError) return { refusal: error.message };
    deps.logger.error('call policy resource could not be read', { tool: tool.definition.name, requestId: caller.origin.requestId, error: error as Error });
    return { refusal: `${tool.definition.name}: what the call acts on could not be read; nothing was changed. Try again later.` };
  }
}
