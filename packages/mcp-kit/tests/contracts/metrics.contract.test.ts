import { randomUUID } from 'node:crypto';
import { createEmfMetrics } from '../../src/metrics/emf-metrics';
import { createMemoryMetrics } from '../../src/metrics/memory-metrics';
import { METRIC, type Dimensions, type MetricName, type Metrics } from '../../src/metrics/metrics';

type Unit = 'Count' | 'Milliseconds' | 'Seconds';

/**
 * What an adapter recorded for one metric and one exact dimension set, in one shape for every
 * adapter: a count's total, a latency's highest sample, a gauge's latest level.
 */
interface Series {
  name: string;
  dimensions: Dimensions;
  unit: Unit;
  value: number;
}

interface MetricsUnderTest {
  metrics: Metrics;
  /** Every series the adapter has recorded so far for the metric. */
  series(name: MetricName): Series[];
}

interface MetricsAdapter {
  name: string;
  start(): MetricsUnderTest;
}

/** EMF documents written to stdout while the suite runs (Powertools writes them through a Console on it). */
const emfDocuments: EmfDocument[] = [];
interface EmfDocument {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: Unit }[] }[] };
  [field: string]: unknown;
}

beforeAll(() => {
  const write = process.stdout.write.bind(process.stdout);
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const lines = String(chunk).split('\n');
    const emf = lines.filter((line) => line.includes('"_aws"'));
    for (const line of emf) emfDocuments.push(JSON.parse(line) as EmfDocument);
    return emf.length > 0 ? true : (write as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean)(chunk, ...rest);
  });
});
afterAll(() => jest.restoreAllMocks());

/** Adds up the EMF data points into series; `service` is the dimension Powertools adds to every point. */
function emfSeries(serviceName: string, name: MetricName): Series[] {
  const found = new Map<string, Series>();
  for (const document of emfDocuments.filter((candidate) => candidate.service === serviceName)) {
    for (const directive of document._aws.CloudWatchMetrics) {
      for (const metric of directive.Metrics.filter((candidate) => candidate.Name === name)) {
        for (const set of directive.Dimensions) {
          const dimensions = Object.fromEntries(set.filter((key) => key !== 'service').map((key) => [key, String(document[key])]));
          const key = `${metric.Unit} ${tagsOf(dimensions)}`;
          const value = Number(document[name]);
          const earlier = found.get(key);
          const combined = !earlier ? value : metric.Unit === 'Count' ? earlier.value + value : metric.Unit === 'Milliseconds' ? Math.max(earlier.value, value) : value;
          found.set(key, { name, dimensions, unit: metric.Unit, value: combined });
        }
      }
    }
  }
  return [...found.values()];
}

/** Reads `Name{key=value,...}` as the memory adapter keys its series. */
function memorySeriesKey(key: string): { name: string; dimensions: Dimensions } {
  const [, name, tags] = /^([^{]+)(?:\{(.*)\})?$/.exec(key)!;
  const dimensions = Object.fromEntries((tags ? tags.split(',') : []).map((tag) => tag.split('=') as [string, string]));
  return { name: name!, dimensions };
}

const adapters: MetricsAdapter[] = [
  {
    name: 'memory',
    start() {
      const metrics = createMemoryMetrics();
      return {
        metrics,
        series(name) {
          const { counters, latencies, gauges } = metrics.snapshot();
          const all: Series[] = [
            ...Object.entries(counters).map(([key, value]) => ({ ...memorySeriesKey(key), unit: 'Count' as const, value })),
            ...Object.entries(latencies).map(([key, summary]) => ({ ...memorySeriesKey(key), unit: 'Milliseconds' as const, value: summary.max })),
            ...Object.entries(gauges).map(([key, value]) => ({ ...memorySeriesKey(key), unit: 'Seconds' as const, value })),
          ];
          return all.filter((series) => series.name === name);
        },
      };
    },
  },
  {
    name: 'EMF (CloudWatch Embedded Metric Format, through Powertools)',
    start() {
      const serviceName = `contract-${randomUUID()}`;
      return { metrics: createEmfMetrics('GovernedMcpContract', serviceName), series: (name) => emfSeries(serviceName, name) };
    },
  },
];

const tagsOf = (dimensions: Dimensions) =>
  Object.entries(dimensions)
    .map(([key, value]) => `${key}=${value}`)
    .sort()
    .join(',');
const byDimensions = (a: Series, b: Series) => tagsOf(a.dimensions).localeCompare(tagsOf(b.dimensions));
const withDimensions = (series: Series[]) => series.filter((one) => Object.keys(one.dimensions).length > 0).sort(byDimensions);

// One contract, every adapter: what local mode shows is what CloudWatch receives on AWS.
describe.each(adapters)('Metrics contract: $name', ({ start }) => {
  it('counts 1 per call in its dimension set, and every call again without dimensions (the set alarms watch)', () => {
    const { metrics, series } = start();
    metrics.count(METRIC.toolDenied, { server: 'policy-reader', reason: 'rate_limited' });
    metrics.count(METRIC.toolDenied, { server: 'policy-reader', reason: 'rate_limited' });
    metrics.count(METRIC.toolDenied, { server: 'policy-reader', reason: 'not_allowlisted' });
    expect(series(METRIC.toolDenied).sort(byDimensions)).toEqual([
      { name: 'ToolDenied', dimensions: {}, unit: 'Count', value: 3 },
      { name: 'ToolDenied', dimensions: { server: 'policy-reader', reason: 'not_allowlisted' }, unit: 'Count', value: 1 },
      { name: 'ToolDenied', dimensions: { server: 'policy-reader', reason: 'rate_limited' }, unit: 'Count', value: 2 },
    ]);
  });

  it('counts a call without dimensions once', () => {
    const { metrics, series } = start();
    metrics.count(METRIC.authFailures);
    expect(series(METRIC.authFailures)).toEqual([{ name: 'AuthFailures', dimensions: {}, unit: 'Count', value: 1 }]);
  });

  it('records latencies in milliseconds, each in its own dimension set', () => {
    const { metrics, series } = start();
    metrics.latency(METRIC.toolLatency, 12.5, { server: 'policy-reader', tool: 'search_policies' });
    metrics.latency(METRIC.toolLatency, 80, { server: 'policy-reader', tool: 'get_policy' });
    expect(withDimensions(series(METRIC.toolLatency))).toEqual([
      { name: 'ToolLatency', dimensions: { server: 'policy-reader', tool: 'get_policy' }, unit: 'Milliseconds', value: 80 },
      { name: 'ToolLatency', dimensions: { server: 'policy-reader', tool: 'search_policies' }, unit: 'Milliseconds', value: 12.5 },
    ]);
  });

  it('records gauges in seconds, the latest level per dimension set', () => {
    const { metrics, series } = start();
    metrics.gauge(METRIC.approvalBacklogAge, 30, { server: 'ops-writer' });
    metrics.gauge(METRIC.approvalBacklogAge, 12, { server: 'ops-writer' });
    metrics.gauge(METRIC.approvalBacklogAge, 42, { server: 'billing-writer' });
    expect(withDimensions(series(METRIC.approvalBacklogAge))).toEqual([
      { name: 'ApprovalBacklogAgeSeconds', dimensions: { server: 'billing-writer' }, unit: 'Seconds', value: 42 },
      { name: 'ApprovalBacklogAgeSeconds', dimensions: { server: 'ops-writer' }, unit: 'Seconds', value: 12 },
    ]);
  });

  it('keeps metrics and dimension sets apart, whatever the order the dimensions are given in', () => {
    const { metrics, series } = start();
    metrics.count(METRIC.toolCalls, { server: 'ops-writer', tool: 'restart_service' });
    metrics.count(METRIC.toolCalls, { tool: 'restart_service', server: 'ops-writer' });
    metrics.count(METRIC.toolCalls, { tool: 'restart_service' });
    metrics.count(METRIC.rateLimited, { tool: 'restart_service' });
    expect(withDimensions(series(METRIC.toolCalls))).toEqual([
      { name: 'ToolCalls', dimensions: { server: 'ops-writer', tool: 'restart_service' }, unit: 'Count', value: 2 },
      { name: 'ToolCalls', dimensions: { tool: 'restart_service' }, unit: 'Count', value: 1 },
    ]);
    expect(withDimensions(series(METRIC.rateLimited))).toEqual([{ name: 'RateLimited', dimensions: { tool: 'restart_service' }, unit: 'Count', value: 1 }]);
  });
});
