import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Dimensions, MetricName, Metrics } from './metrics';

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
