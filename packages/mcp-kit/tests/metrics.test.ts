import { createEmfMetrics, createMemoryMetrics, METRIC } from '../src/platform';

// What every Metrics adapter does (counts, units, dimension sets) is in
// tests/contracts/metrics.contract.test.ts; here, what is particular to one adapter.

describe('EMF metrics (CloudWatch Embedded Metric Format, through Powertools)', () => {
  it('lays out each data point as one EMF document with its dimensions, and again with the service alone (the set alarms watch)', () => {
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const metrics = createEmfMetrics('GovernedMcpTest', 'policy-reader');
      metrics.count(METRIC.toolDenied, { server: 'policy-reader', reason: 'rate_limited' });
      metrics.latency(METRIC.toolLatency, 12.5, { server: 'policy-reader', tool: 'search_policies' });
      metrics.gauge(METRIC.approvalBacklogAge, 42, { server: 'ops-writer' });
    } finally {
      write.mockRestore();
    }
    const documents = lines.flatMap((line) => line.split('\n')).filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line));
    expect(documents).toHaveLength(6);
    expect(documents.map((document) => document._aws.CloudWatchMetrics[0].Dimensions)).toEqual([
      [['service', 'server', 'reason']],
      [['service']],
      [['service', 'server', 'tool']],
      [['service']],
      [['service', 'server']],
      [['service']],
    ]);
    expect(documents[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'GovernedMcpTest', Metrics: [{ Name: 'ToolDenied', Unit: 'Count' }] }] },
      ToolDenied: 1,
      reason: 'rate_limited',
      server: 'policy-reader',
    });
    expect(documents[1]).toEqual({ _aws: expect.any(Object), ToolDenied: 1, service: 'policy-reader' });
    expect(documents[2]).toMatchObject({ ToolLatency: 12.5, tool: 'search_policies' });
    expect(documents[2]._aws.CloudWatchMetrics[0].Metrics[0]).toMatchObject({ Name: 'ToolLatency', Unit: 'Milliseconds' });
    expect(documents[5]).toMatchObject({ ApprovalBacklogAgeSeconds: 42, _aws: { CloudWatchMetrics: [{ Metrics: [{ Unit: 'Seconds' }] }] } });
  });
});

describe('memory metrics', () => {
  it('reads a counter over every call, or over one dimension set', () => {
    const metrics = createMemoryMetrics();
    metrics.count(METRIC.toolCalls, { tool: 'a' });
    metrics.count(METRIC.toolCalls, { tool: 'b' });
    expect(metrics.counter(METRIC.toolCalls)).toBe(2);
    expect(metrics.counter(METRIC.toolCalls, { tool: 'a' })).toBe(1);
  });

  it('summarises each latency series as count, p50, p99 and max', () => {
    const metrics = createMemoryMetrics();
    for (const ms of [1, 2, 3, 4, 100]) metrics.latency(METRIC.toolLatency, ms, { tool: 'a' });
    expect(metrics.snapshot().latencies['ToolLatency{tool=a}']).toEqual({ count: 5, p50: 3, p99: 100, max: 100 });
  });

  it('snapshots the latest gauge of each series, keyed name{dimensions}', () => {
    const metrics = createMemoryMetrics();
    metrics.gauge(METRIC.approvalBacklogAge, 30, { server: 'ops-writer' });
    metrics.gauge(METRIC.approvalBacklogAge, 12, { server: 'ops-writer' });
    expect(metrics.snapshot().gauges).toEqual({ 'ApprovalBacklogAgeSeconds{server=ops-writer}': 12 });
  });
});
