import type { Logger } from '../logging/logger';
import { METRIC, type Metrics } from '../metrics/metrics';
import { DENY_ALL, parseGovernancePolicy, type GovernancePolicy } from './governance-policy';
import type { PolicySource } from './policy-source';
import { createFailClosedCache } from './fail-closed-cache';

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

/** Fail-closed cache over a policy source (see {@link createFailClosedCache}). */
export function createCachedPolicy(options: CachedPolicyOptions): PolicyProvider {
  const cache = createFailClosedCache({
    what: 'governance policy',
    source: options.source.description,
    load: async () => parseGovernancePolicy(await options.source.read()),
    denied: DENY_ALL,
    ttlMs: options.ttlMs,
    maxStalenessMs: options.maxStalenessMs,
    metrics: options.metrics,
    failureMetric: METRIC.policyLoadFailures,
    expiredMetric: METRIC.policyExpired,
    logger: options.logger,
    describe: (policy) => ({ tools: policy.tools.length }),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return { current: () => cache.current() };
}
