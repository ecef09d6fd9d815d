import type { Dimensions, MetricName, Metrics } from './metrics';

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
