import type { MetricStore } from './metric-store';

/**
 * What Lambda reports to CloudWatch for each invocation of a function: `Invocations`, `Errors`
 * (0 for a success, so that every period with a run has a data point) and `Duration`.
 */
export function recordLambdaInvocation(metrics: MetricStore, functionName: string, outcome: { ok: boolean; durationMs: number }, at = Date.now()): void {
  const point = (metricName: string, value: number) => metrics.put({ namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: functionName }, value, timestamp: at });
  point('Invocations', 1);
  point('Errors', outcome.ok ? 0 : 1);
  point('Duration', outcome.durationMs);
}

/** What an HTTP API reports for each request on its `$default` stage: `Count`, `4xx`, `5xx` (0 or 1) and `Latency`. */
export function recordApiRequest(metrics: MetricStore, apiId: string, status: number, latencyMs: number, at = Date.now()): void {
  const point = (metricName: string, value: number) => metrics.put({ namespace: 'AWS/ApiGateway', metricName, dimensions: { ApiId: apiId, Stage: '$default' }, value, timestamp: at });
  point('Count', 1);
  point('4xx', status >= 400 && status < 500 ? 1 : 0);
  point('5xx', status >= 500 ? 1 : 0);
  point('Latency', latencyMs);
}
