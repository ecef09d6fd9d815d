import type { Limit } from '../governance/governance-policy';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the current window ends (when refused). */
  retryAfterSeconds: number;
}

/** Fixed-window request counters. */
export interface RateLimiter {
  consume(key: string, limit: Limit): Promise<RateDecision>;
}

/** The fixed window `now` falls in, and the seconds until it ends. */
export function fixedWindow(limit: Limit, now: number): { start: number; retryAfterSeconds: number } {
  const size = limit.window_seconds * 1000;
  const start = Math.floor(now / size) * size;
  return { start, retryAfterSeconds: Math.max(1, Math.ceil((start + size - now) / 1000)) };
}
