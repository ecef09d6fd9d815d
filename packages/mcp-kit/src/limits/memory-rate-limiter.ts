import { fixedWindow, type RateLimiter } from './rate-limiter';

/** One process's counters: the local default. */
export function createMemoryRateLimiter(clock: () => number = Date.now): RateLimiter {
  const counters = new Map<string, { windowStart: number; count: number }>();
  return {
    async consume(key, limit) {
      const now = clock();
      const { start, retryAfterSeconds } = fixedWindow(limit, now);
      const counter = counters.get(key);
      const current = counter && counter.windowStart === start ? counter : { windowStart: start, count: 0 };
      if (current.count >= limit.requests) return { allowed: false, retryAfterSeconds };
      current.count += 1;
      counters.set(key, current);
      if (counters.size > 100_000) pruneBefore(counters, start);
      return { allowed: true, retryAfterSeconds: 0 };
    },
  };
}

function pruneBefore(counters: Map<string, { windowStart: number }>, start: number): void {
  for (const [key, counter] of counters) if (counter.windowStart < start) counters.delete(key);
}
