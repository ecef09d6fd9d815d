import type { Logger } from '../logging/logger';
import { METRIC, type Metrics } from '../metrics/metrics';
import { DENY_ALL, parseGovernancePolicy, type GovernancePolicy } from './governance-policy';
import type { PolicySource } from './policy-source';

export interface CachedPolicyOptions {
  source: PolicySource;
  /** A policy older than this is re-read (on the next request). */
  ttlMs: number;
  /** When re-reading fails, the last good policy is kept this long after it was read; then deny all. */
  maxStalenessMs: number;
  metrics: Metrics;
  logger: Logger;
  clock?: () => number;
}

/** The governance policy as the server applies it now. */
export interface PolicyProvider {
  current(): Promise<GovernancePolicy>;
}

/**
 * Fail-closed cache over a policy source. Never read successfully → deny all.
 * Read failures after that keep the last good policy until it is `maxStalenessMs`
 * old, then deny all. Refreshes happen on demand, one at a time, so the same code
 * works on Lambda (no timers between invocations) and in a long-running process.
 */
export function createCachedPolicy(options: CachedPolicyOptions): PolicyProvider {
  const clock = options.clock ?? Date.now;
  let lastGood: { policy: GovernancePolicy; readAt: number } | undefined;
  let lastAttemptAt = Number.NEGATIVE_INFINITY;
  let refreshing: Promise<void> | undefined;

  const refresh = async () => {
    lastAttemptAt = clock();
    try {
      const policy = parseGovernancePolicy(await options.source.read());
      if (!lastGood) options.logger.info('governance policy loaded', { source: options.source.description, tools: policy.tools.length });
      lastGood = { policy, readAt: clock() };
    } catch (error) {
      options.metrics.count(METRIC.policyLoadFailures);
      const keeping = lastGood && clock() - lastGood.readAt < options.maxStalenessMs;
      options.logger.error(
        keeping ? 'governance policy refresh failed; keeping the last good policy' : 'governance policy unavailable; denying every tool',
        { source: options.source.description, error: error as Error },
      );
    }
  };

  return {
    async current() {
      // Requests that arrive while a refresh is in flight wait for it rather than use the old policy.
      if (!refreshing && clock() - lastAttemptAt >= options.ttlMs) {
        refreshing = refresh().finally(() => (refreshing = undefined));
      }
      await refreshing;
      if (!lastGood) return DENY_ALL;
      if (clock() - lastGood.readAt >= options.maxStalenessMs) {
        options.metrics.count(METRIC.policyExpired);
        return DENY_ALL;
      }
      return lastGood.policy;
    },
  };
}
