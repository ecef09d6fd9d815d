import type { Logger } from '../logging/logger';
import type { MetricName, Metrics } from '../metrics/metrics';

export interface FailClosedCacheOptions<T> {
  /** What is cached, for logs ("governance policy"). */
  what: string;
  /** Where it is read from, for logs. */
  source: string;
  /** Reads and parses it; rejects when it cannot be read or is not valid. */
  load: () => Promise<T>;
  /** What applies when nothing valid is available. */
  denied: T;
  /** A value older than this is re-read (on the next request). */
  ttlMs: number;
  /** When re-reading fails, the last good value is kept this long after it was read; then `denied`. */
  maxStalenessMs: number;
  metrics: Metrics;
  /** Counted on each failed read, and on each request answered with `denied` because the last good value expired. */
  failureMetric: MetricName;
  expiredMetric: MetricName;
  logger: Logger;
  /** What to log when the first value is loaded. */
  describe?: (value: T) => Record<string, unknown>;
  clock?: () => number;
}

export interface FailClosedCache<T> {
  current(): Promise<T>;
  /** Why the last read failed (undefined after a good one). */
  lastError(): unknown;
}

/**
 * A configuration value that fails closed. Never read successfully → `denied`. Read failures
 * after that keep the last good value until it is `maxStalenessMs` old, then `denied`.
 * Refreshes happen on demand, one at a time, so the same code works on Lambda (no timers
 * between invocations) and in a long-running process.
 */
export function createFailClosedCache<T>(options: FailClosedCacheOptions<T>): FailClosedCache<T> {
  const clock = options.clock ?? Date.now;
  let lastGood: { value: T; readAt: number } | undefined;
  let lastAttemptAt = Number.NEGATIVE_INFINITY;
  let refreshing: Promise<void> | undefined;
  let failure: unknown;

  const refresh = async () => {
    lastAttemptAt = clock();
    try {
      const value = await options.load();
      if (!lastGood) options.logger.info(`${options.what} loaded`, { source: options.source, ...options.describe?.(value) });
      lastGood = { value, readAt: clock() };
      failure = undefined;
    } catch (error) {
      failure = error;
      options.metrics.count(options.failureMetric);
      const keeping = lastGood && clock() - lastGood.readAt < options.maxStalenessMs;
      options.logger.error(keeping ? `${options.what} refresh failed; keeping the last good one` : `${options.what} unavailable; denying every tool`, {
        source: options.source,
        error: error as Error,
      });
    }
  };

  return {
    lastError: () => failure,
    async current() {
      // Requests that arrive while a refresh is in flight wait for it rather than use the old value.
      if (!refreshing && clock() - lastAttemptAt >= options.ttlMs) {
        refreshing = refresh().finally(() => (refreshing = undefined));
      }
      await refreshing;
      if (!lastGood) return options.denied;
      if (clock() - lastGood.readAt >= options.maxStalenessMs) {
        options.metrics.count(options.expiredMetric);
        return options.denied;
      }
      return lastGood.value;
    },
  };
}
