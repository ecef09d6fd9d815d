/** The operator scope that reads a local server's in-process metrics (`GET /metrics`). */
export const METRICS_SCOPE = 'metrics:read';

/** Where the kit's metrics go unless METRICS_NAMESPACE says otherwise (alarms watch this one). */
export const DEFAULT_METRICS_NAMESPACE = 'GovernedMcp';

/** The platform's metric names, in one place so dashboards and alarms can rely on them. */
export const METRIC = {
  toolCalls: 'ToolCalls',
  toolDenied: 'ToolDenied',
  /** An allowlisted tool whose definition is not the pinned one (once per policy snapshot). */
  definitionMismatch: 'ToolDefinitionMismatch',
  rateLimited: 'RateLimited',
  concurrencyLimited: 'ConcurrencyLimited',
  authFailures: 'AuthFailures',
  /** Token-less calls answered with the OAuth challenge: how an assistant's sign-in starts, not a failure. */
  authChallenges: 'AuthChallenges',
  auditWriteFailures: 'AuditWriteFailures',
  policyLoadFailures: 'GovernancePolicyLoadFailures',
  policyExpired: 'GovernancePolicyExpired',
  /** The call policies (Cedar) could not be read or are invalid (the last good set is kept until the staleness bound). */
  callPolicyLoadFailures: 'CallPolicyLoadFailures',
  /** Calls refused because no valid call policies were available. */
  callPoliciesExpired: 'CallPoliciesExpired',
  authFailuresNotRecorded: 'AuthFailuresNotRecorded',
  outcomeNotRecorded: 'OutcomeRecordsLost',
  toolLatency: 'ToolLatency',
  approvalBacklogAge: 'ApprovalBacklogAgeSeconds',
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];

export type Dimensions = Record<string, string>;

/** Where the kit reports counts and latencies. */
export interface Metrics {
  count(name: MetricName, dimensions?: Dimensions): void;
  latency(name: MetricName, milliseconds: number, dimensions?: Dimensions): void;
  /** A level observed now (an age, a depth), in seconds. */
  gauge(name: MetricName, seconds: number, dimensions?: Dimensions): void;
}
