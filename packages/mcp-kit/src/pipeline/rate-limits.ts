import { personOf, type Actor } from '../auth/actor';
import type { GovernancePolicy, Limit } from '../governance/governance-policy';
import type { Counter } from '../audit/call-admission';

export const RETRY_AFTER_SECONDS = 5;

/**
 * The counters a call to `tool` counts on: the caller's for this tool (its own limit, or the
 * per-actor default), then the server's. Every key starts with the server's name: on AWS its
 * role may count under nothing else (dynamodb:LeadingKeys).
 */
export function countersFor(tool: string, actor: Actor, server: string, policy: GovernancePolicy): Counter[] {
  const { limits } = policy;
  const counters: { key: string; limit: Limit | undefined }[] = [
    { key: `${server}#actor:${tool}:${personOf(actor.subject)}`, limit: Object.hasOwn(limits.tools, tool) ? limits.tools[tool] : limits.per_actor_per_tool },
    { key: `${server}#server`, limit: limits.per_server },
  ];
  return counters.filter((counter): counter is Counter => counter.limit !== undefined);
}
