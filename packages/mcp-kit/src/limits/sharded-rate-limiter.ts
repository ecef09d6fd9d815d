import type { Limit } from '../governance/governance-policy';
import type { RateDecision, RateLimiter } from './rate-limiter';

/** What one DynamoDB partition takes comfortably (its hard limit is about 1,000 writes per second). */
export const MAX_WRITES_PER_SECOND_PER_KEY = 300;

/** How many counters a limit is spread over, so that none takes more than `perKey` writes per second at the limit. */
export function shardCount(limit: Limit, perKey: number = MAX_WRITES_PER_SECOND_PER_KEY): number {
  return Math.max(1, Math.min(limit.requests, Math.ceil(limit.requests / limit.window_seconds / perKey)));
}

/** The key of one shard of a counter; a limit on one counter keeps the counter's own key. */
export function shardKey(key: string, shards: number, shard: number): string {
  return shards === 1 ? key : `${key}#s${shard}`;
}

/** One shard's share of the limit: the shares sum to the limit. */
export function shardLimit(limit: Limit, shards: number, shard: number): Limit {
  return { ...limit, requests: Math.floor(limit.requests / shards) + (shard < limit.requests % shards ? 1 : 0) };
}

/**
 * Spreads a high limit over several counters (`<key>#s<i>`, each holding its share, the shares
 * summing to the limit), so that no single item takes the whole traffic: a call counts on a
 * shard picked at random and, when that one is full, on the next ones in turn. It never admits
 * more than the limit (each shard holds to its share); near the limit a call may take a few
 * more round trips, and it is refused only when every shard is full. Limits low enough for one
 * counter keep a single key, as before.
 */
export function createShardedRateLimiter(inner: RateLimiter, options: { perKey?: number; random?: () => number } = {}): RateLimiter {
  const random = options.random ?? Math.random;
  return {
    async consume(key, limit): Promise<RateDecision> {
      const shards = shardCount(limit, options.perKey);
      if (shards === 1) return inner.consume(key, limit);
      const first = Math.floor(random() * shards);
      let refused: RateDecision | undefined;
      for (let step = 0; step < shards; step += 1) {
        const shard = (first + step) % shards;
        const decision = await inner.consume(shardKey(key, shards, shard), shardLimit(limit, shards, shard));
        if (decision.allowed) return decision;
        refused = decision;
      }
      return refused!;
    },
  };
}
