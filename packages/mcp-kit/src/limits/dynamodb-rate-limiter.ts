import {
  ConditionalCheckFailedException,
  UpdateItemCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { Limit } from '../governance/governance-policy';
import { fixedWindow, type RateLimiter } from './rate-limiter';

/**
 * Counters shared by every instance (Lambda scales out): one item per key and window,
 * incremented atomically only while under the limit. Items expire through DynamoDB TTL.
 */
export function createDynamoDbRateLimiter(client: DynamoDBClient, tableName: string, clock: () => number = Date.now): RateLimiter {
  return {
    async consume(key, limit) {
      const now = clock();
      try {
        await client.send(new UpdateItemCommand(counterUpdate(tableName, key, limit, now)));
        return { allowed: true, retryAfterSeconds: 0 };
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return { allowed: false, retryAfterSeconds: fixedWindow(limit, now).retryAfterSeconds };
        throw error;
      }
    },
  };
}

/** The conditional increment of one counter in its current window: refused (condition failed) once the window holds the limit. */
export function counterUpdate(tableName: string, key: string, limit: Limit, now: number) {
  const { start } = fixedWindow(limit, now);
  return {
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
  } satisfies UpdateItemCommandInput;
}

export function rateLimitTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  };
}
