import { personOf, type Actor } from '../auth/actor';
import { RateLimitedError, TemporarilyUnavailableError, type KitError } from '../errors/errors';
import type { GovernancePolicy, Limit } from '../governance/governance-policy';
import type { RateLimiter } from '../limits/rate-limiter';
import type { Logger } from '../logging/logger';

export const RETRY_AFTER_SECONDS = 5;

/**
 * The caller's limit for this tool, then the server's: the first one reached refuses the
 * call (429), and a counter store that cannot answer refuses it too (503, fail closed).
 */
export async function checkRateLimits(
  tool: string,
  actor: Actor,
  deps: { server: string; policy: GovernancePolicy; rateLimiter: RateLimiter; logger: Logger },
): Promise<KitError | undefined> {
  const { limits } = deps.policy;
  const checks: { key: string; limit: Limit | undefined }[] = [
    // Every key starts with the server's name: on AWS its role may count under nothing else (dynamodb:LeadingKeys).
    { key: `${deps.server}#actor:${tool}:${personOf(actor.subject)}`, limit: Object.hasOwn(limits.tools, tool) ? limits.tools[tool] : limits.per_actor_per_tool },
    { key: `${deps.server}#server`, limit: limits.per_server },
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
