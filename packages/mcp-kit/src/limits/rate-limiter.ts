import {
  ConditionalCheckFailedException,
  UpdateItemCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
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

function window(limit: Limit, now: number) {
  const size = limit.window_seconds * 1000;
  const start = Math.floor(now / size) * size;
  return { start, retryAfterSeconds: Math.max(1, Math.ceil((start + size - now) / 1000)) };
}

/** One process's counters: the local default. */
export function createMemoryRateLimiter(clock: () => number = Date.now): RateLimiter {
  const counters = new Map<string, { windowStart: number; count: number }>();
  return {
    async consume(key, limit) {
      const now = clock();
      const { start, retryAfterSeconds } = window(limit, now);
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

/**
 * Counters shared by every instance (Lambda scales out): one item per key and window,
 * incremented atomically only while under the limit. Items expire through DynamoDB TTL.
 */
export function createDynamoDbRateLimiter(client: DynamoDBClient, tableName: string, clock: () => number = Date.now): RateLimiter {
  return {
    async consume(key, limit) {
      const now = clock();
      const { start, retryAfterSeconds } = window(limit, now);
      try {
        await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { pk: { S: `${key}#${start}` } },
            UpdateExpression: 'ADD #count :one SET expires_at = :expires',
            ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: {
              ':one': { N: '1' },
              ':limit': { N: String(limit.requests) },
              ':expires': { N: String(Math.ceil((start + limit.window_seconds * 1000) / 1000) + 3600) },
            },
          }),
        );
        return { allowed: true, retryAfterSeconds: 0 };
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return { allowed: false, retryAfterSeconds };
        throw error;
      }
    },
  };
}

export function rateLimitTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  };
}
