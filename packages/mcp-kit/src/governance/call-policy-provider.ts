import type { CallPolicySource } from './call-policy-source';
import { createFailClosedCache } from './fail-closed-cache';
import type { Logger } from '../logging/logger';
import { METRIC, type Metrics } from '../metrics/metrics';
import { CallPolicyError, compileCallPolicies, type CallPolicies, type ValidatedCallPolicies } from '../cedar/call-policies';
import type { CedarSchemaJson } from '../cedar/cedar-schema';

/** A server's call policies as it applies them now: undefined when it has none. */
export interface CallPolicyProvider {
  current(): Promise<CallPolicies | undefined>;
  /** Reads them now; throws the {@link CallPolicyError} of a text that does not parse or validate (at start). */
  check(): Promise<void>;
}

/** What applies when the call policies cannot be read or are invalid past the staleness bound: no call runs. */
export const DENY_ALL_CALLS: CallPolicies = {
  ids: [],
  validatedAtBuild: false,
  governs: () => true,
  mayRequire: () => false,
  decide: async ({ tool }) => ({ kind: 'deny', policies: [], message: `${tool} was refused: this server's call policies are unavailable. Nothing was changed; try again later.` }),
};

export interface CallPolicyProviderOptions {
  source: CallPolicySource;
  ttlMs: number;
  maxStalenessMs: number;
  /** The schema of the server's tools, which every policy is validated against. */
  schema: CedarSchemaJson;
  /** Whether the server runs approvals (a policy requiring one is refused otherwise). */
  approvals: boolean;
  /** The policies as validated when the bundle was built: used for the same text, instead of validating it again. */
  validated?: ValidatedCallPolicies;
  metrics: Metrics;
  logger: Logger;
  clock?: () => number;
}

/**
 * The call policies, re-read on the allowlist's TTL and compiled when their text changes.
 * Fail closed: invalid or unreadable text keeps the last good set until the staleness bound,
 * then refuses every call; never read successfully, it refuses every call.
 */
export function createCallPolicyProvider(options: CallPolicyProviderOptions): CallPolicyProvider {
  let compiled: { text: string; policies: Promise<CallPolicies> } | undefined;
  const compile = (text: string) => {
    if (compiled?.text !== text) compiled = { text, policies: compileCallPolicies(text, options.schema, { source: options.source.description, approvals: options.approvals, logger: options.logger, ...(options.validated ? { validated: options.validated } : {}) }) };
    return compiled.policies;
  };
  const cache = createFailClosedCache<CallPolicies | undefined>({
    what: 'call policies',
    source: options.source.description,
    load: async () => {
      const text = await options.source.read();
      return text === undefined ? undefined : compile(text);
    },
    denied: DENY_ALL_CALLS,
    ttlMs: options.ttlMs,
    maxStalenessMs: options.maxStalenessMs,
    metrics: options.metrics,
    failureMetric: METRIC.callPolicyLoadFailures,
    expiredMetric: METRIC.callPoliciesExpired,
    logger: options.logger,
    describe: (policies) => ({ policies: policies?.ids.length ?? 0, validated_at_build: policies?.validatedAtBuild ?? false }),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return {
    current: () => cache.current(),
    async check() {
      await cache.current();
      const error = cache.lastError();
      if (error instanceof CallPolicyError) throw error;
    },
  };
}
