import { z } from 'zod';

/** One metric data point, as CloudWatch stores it: a metric is its namespace, name and exact dimension set. */
export interface MetricDatum {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

/** Which metric to read: an alarm watches one exact dimension set, never the sum of other sets. */
export interface MetricQuery {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
}

/**
 * CloudWatch's metric side on loopback: data points put directly (what a service such as Lambda or
 * API Gateway reports for itself) or extracted from a function's log lines in the Embedded Metric
 * Format, as CloudWatch Logs extracts them.
 */
export interface MetricStore {
  put(datum: MetricDatum): void;
  /** Extracts the EMF metrics of one log line; other lines are ignored. Returns how many points it held. */
  ingestLogLine(line: string): number;
  /** The values of one metric with `from < timestamp <= to`. */
  values(query: MetricQuery, from: number, to: number): number[];
  all(): readonly MetricDatum[];
}

const emfDocument = z.object({
  _aws: z.object({
    Timestamp: z.number(),
    CloudWatchMetrics: z.array(z.object({ Namespace: z.string(), Dimensions: z.array(z.array(z.string())), Metrics: z.array(z.object({ Name: z.string() })) })),
  }),
});

export function createMetricStore(): MetricStore {
  const data: MetricDatum[] = [];
  const put = (datum: MetricDatum) => void data.push(datum);
  return {
    put,
    ingestLogLine(line) {
      const document = parseEmf(line);
      if (!document) return 0;
      let count = 0;
      for (const directive of document._aws.CloudWatchMetrics) {
        for (const metric of directive.Metrics) {
          for (const value of metricValues(document, metric.Name)) {
            for (const set of directive.Dimensions) {
              put({ namespace: directive.Namespace, metricName: metric.Name, dimensions: dimensionsOf(document, set), value, timestamp: document._aws.Timestamp });
              count++;
            }
          }
        }
      }
      return count;
    },
    values: (query, from, to) => data.filter((datum) => datum.timestamp > from && datum.timestamp <= to && isMetric(datum, query)).map((datum) => datum.value),
    all: () => data,
  };
}

function parseEmf(line: string): (z.infer<typeof emfDocument> & Record<string, unknown>) | undefined {
  if (!line.includes('"_aws"')) return undefined;
  try {
    const document: unknown = JSON.parse(line);
    // The metric values and dimensions are the document's other members, which parsing would strip.
    return emfDocument.safeParse(document).success ? (document as z.infer<typeof emfDocument> & Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A metric's member holds a number or an array of numbers (EMF allows up to 100 values). */
function metricValues(document: Record<string, unknown>, name: string): number[] {
  const member = document[name];
  if (typeof member === 'number') return [member];
  return Array.isArray(member) ? member.filter((value): value is number => typeof value === 'number') : [];
}

function dimensionsOf(document: Record<string, unknown>, set: readonly string[]): Record<string, string> {
  return Object.fromEntries(set.map((key) => [key, String(document[key])]));
}

function isMetric(datum: MetricDatum, query: MetricQuery): boolean {
  if (datum.namespace !== query.namespace || datum.metricName !== query.metricName) return false;
  const keys = Object.keys(query.dimensions);
  return keys.length === Object.keys(datum.dimensions).length && keys.every((key) => datum.dimensions[key] === query.dimensions[key]);
}
