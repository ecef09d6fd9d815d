import { createEmfMetrics, createMemoryMetrics, METRIC } from '../src';

describe('EMF metrics (CloudWatch Embedded Metric Format, through Powertools)', () => {
  it('writes one EMF document per data point with its dimensions', () => {
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const metrics = createEmfMetrics('GovernedMcpTest', 'policy-reader');
      metrics.count(METRIC.toolDenied, { server: 'policy-reader', reason: 'rate_limited' });
      metrics.latency(METRIC.toolLatency, 12.5, { server: 'policy-reader', tool: 'search_policies' });
    } finally {
      write.mockRestore();
    }
    const documents = lines.flatMap((line) => line.split('\n')).filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line));
    expect(documents).toHaveLength(2);
    expect(documents[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'GovernedMcpTest', Metrics: [{ Name: 'ToolDenied', Unit: 'Count' }] }] },
      ToolDenied: 1,
      reason: 'rate_limited',
      server: 'policy-reader',
    });
    expect(documents[1]).toMatchObject({ ToolLatency: 12.5, tool: 'search_policies' });
    expect(documents[1]._aws.CloudWatchMetrics[0].Metrics[0]).toMatchObject({ Name: 'ToolLatency', Unit: 'Milliseconds' });
  });
});

describe('memory metrics', () => {
  it('counts totals and per-dimension series, and summarises latencies', () => {
    const metrics = createMemoryMetrics();
    metrics.count(METRIC.toolCalls, { tool: 'a' });
    metrics.count(METRIC.toolCalls, { tool: 'b' });
    for (const ms of [1, 2, 3, 4, 100]) metrics.latency(METRIC.toolLatency, ms, { tool: 'a' });
    expect(metrics.counter(METRIC.toolCalls)).toBe(2);
    expect(metrics.counter(METRIC.toolCalls, { tool: 'a' })).toBe(1);
    expect(metrics.snapshot().latencies['ToolLatency{tool=a}']).toEqual({ count: 5, p50: 3, p99: 100, max: 100 });
  });
});
