import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { startLocalDynamoDb, type LocalDynamoDb } from '@gmcp/local-aws';
import { createDynamoDbClient, ensureTables } from '../src/aws/clients';
import { createDynamoDbRateLimiter, rateLimitTableDefinition } from '../src/limits/dynamodb-rate-limiter';
import { createShardedRateLimiter, shardCount } from '../src/limits/sharded-rate-limiter';

describe('sharded rate counters (dynalite)', () => {
  let dynamodb: LocalDynamoDb;
  beforeAll(async () => {
    dynamodb = await startLocalDynamoDb();
    await ensureTables(createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint }), [rateLimitTableDefinition('limits')]);
  });
  afterAll(() => dynamodb.stop());

  it('spreads a limit so that no counter takes more than 300 writes per second at it', () => {
    expect(shardCount({ requests: 600, window_seconds: 60 })).toBe(1);
    expect(shardCount({ requests: 300, window_seconds: 1 })).toBe(1);
    expect(shardCount({ requests: 1200, window_seconds: 1 })).toBe(4);
    expect(shardCount({ requests: 600_000, window_seconds: 60 })).toBe(34);
  });

  it('admits exactly the limit in total under concurrent callers, each shard holding its share, keys keeping the server prefix', async () => {
    const client = createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint });
    const now = Date.parse('2026-12-03T12:00:00.250Z');
    // Two instances of the server, as two Lambda environments would count.
    const instances = [0, 1].map(() => createShardedRateLimiter(createDynamoDbRateLimiter(client, 'limits', () => now)));
    const limit = { requests: 602, window_seconds: 1 };
    // 50 concurrent callers, 14 calls each, alternating between the instances.
    const decisions = (
      await Promise.all(
        Array.from({ length: 50 }, async (_, caller) => {
          const mine = [];
          for (let call = 0; call < 14; call += 1) mine.push(await instances[(caller + call) % 2]!.consume('ops-writer#server', limit));
          return mine;
        }),
      )
    ).flat();
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(602);
    expect(decisions.filter((decision) => !decision.allowed).every((decision) => decision.retryAfterSeconds === 1)).toBe(true);

    const { Items = [] } = await client.send(new ScanCommand({ TableName: 'limits' }));
    const counters = Items.map((item) => unmarshall(item) as { pk: string; count: number });
    expect(counters.map((counter) => counter.pk.replace(/#\d+$/, '')).sort()).toEqual(['ops-writer#server#s0', 'ops-writer#server#s1', 'ops-writer#server#s2']);
    // 602 over three shards: 201, 201, 200.
    expect(counters.map((counter) => counter.count).sort()).toEqual([200, 201, 201]);
  }, 60_000);

  it('keeps one key for a limit one counter takes, and answers as the counter does', async () => {
    const client = createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint });
    const limiter = createShardedRateLimiter(createDynamoDbRateLimiter(client, 'limits', () => Date.parse('2026-12-03T12:05:00Z')));
    const limit = { requests: 2, window_seconds: 60 };
    const decisions = [];
    for (let call = 0; call < 3; call += 1) decisions.push(await limiter.consume('policy-reader#actor:search_policies:alice', limit));
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, false]);
    const { Items = [] } = await client.send(new ScanCommand({ TableName: 'limits' }));
    expect(Items.map((item) => unmarshall(item).pk as string).filter((pk) => pk.startsWith('policy-reader#'))).toEqual([expect.stringMatching(/^policy-reader#actor:search_policies:alice#\d+$/)]);
  });
});
