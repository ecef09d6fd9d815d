import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** The platform's metric names, in one place so dashboards and alarms can rely on them. */
/** Where the kit's metrics go unless METRICS_NAMESPACE says otherwise (alarms watch this one). */
export const DEFAULT_METRICS_NAMESPACE = 'GovernedMcp';

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

/** CloudWatch Embedded Metric Format through Powertools: one EMF line per data point. */
export function createEmfMetrics(namespace: string, serviceName: string): Metrics {
  const metrics = new PowertoolsMetrics({ namespace, serviceName });
  const emit = (name: MetricName, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number, dimensions: Dimensions = {}) => {
    const single = metrics.singleMetric();
    for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
    single.addMetric(name, unit, value);
    // The same point with only the default `service` dimension: an alarm watches one exact
    // dimension set, and CloudWatch does not add up a metric's other sets for it.
    if (Object.keys(dimensions).length > 0) metrics.singleMetric().addMetric(name, unit, value);
  };
  return {
    count: (name, dimensions) => emit(name, MetricUnit.Count, 1, dimensions),
    latency: (name, milliseconds, dimensions) => emit(name, MetricUnit.Milliseconds, milliseconds, dimensions),
    gauge: (name, seconds, dimensions) => emit(name, MetricUnit.Seconds, seconds, dimensions),
  };
}

export interface MetricsSnapshot {
  counters: Record<string, number>;
  gauges: Record<string, number>;
  latencies: Record<string, { count: number; p50: number; p99: number; max: number }>;
}

/** In-process metrics for local mode and tests, readable as a snapshot. */
export interface MemoryMetrics extends Metrics {
  snapshot(): MetricsSnapshot;
  counter(name: MetricName, dimensions?: Dimensions): number;
}

const MAX_SAMPLES = 10_000;

export function createMemoryMetrics(): MemoryMetrics {
  const counters = new Map<string, number>();
  const samples = new Map<string, number[]>();
  const gauges = new Map<string, number>();
  const keyOf = (name: string, dimensions: Dimensions = {}) => {
    const tags = Object.entries(dimensions).sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => `${key}=${value}`);
    return tags.length ? `${name}{${tags.join(',')}}` : name;
  };
  return {
    count(name, dimensions) {
      for (const key of new Set([name, keyOf(name, dimensions)])) counters.set(key, (counters.get(key) ?? 0) + 1);
    },
    latency(name, milliseconds, dimensions) {
      const key = keyOf(name, dimensions);
      const list = samples.get(key) ?? [];
      if (list.length >= MAX_SAMPLES) list.shift();
      list.push(milliseconds);
      samples.set(key, list);
    },
    gauge(name, seconds, dimensions) {
      gauges.set(keyOf(name, dimensions), seconds);
    },
    counter: (name, dimensions) => counters.get(keyOf(name, dimensions)) ?? 0,
    snapshot() {
      const latencies = Object.fromEntries(
        [...samples].map(([key, list]) => {
          const sorted = [...list].sort((a, b) => a - b);
          const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
          return [key, { count: list.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 }];
        }),
      );
      return { counters: Object.fromEntries([...counters].sort(([a], [b]) => a.localeCompare(b))), gauges: Object.fromEntries(gauges), latencies };
    },
  };
}
