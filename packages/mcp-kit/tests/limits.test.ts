import { startLocalDynamoDb, type LocalDynamoDb } from '@gmcp/local-aws';
import {
  createDynamoDbClient,
  createDynamoDbRateLimiter,
  createMemoryRateLimiter,
  ensureTables,
  rateLimitTableDefinition,
  type RateLimiter,
} from '../src/platform';
import { createConcurrencyLimiter } from '../src/limits/concurrency';

let dynamodb: LocalDynamoDb;
let now = Date.parse('2026-11-25T10:00:05.000Z');
const clock = () => now;

beforeAll(async () => {
  dynamodb = await startLocalDynamoDb();
  await ensureTables(createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint }), [rateLimitTableDefinition('limits-test')]);
});
afterAll(() => dynamodb.stop());

// One contract, every adapter: local and AWS behave the same by construction.
describe.each<[string, () => RateLimiter]>([
  ['memory', () => createMemoryRateLimiter(clock)],
  ['DynamoDB (dynalite)', () => createDynamoDbRateLimiter(createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint }), 'limits-test', clock)],
])('%s rate limiter', (_name, create) => {
  const limit = { requests: 3, window_seconds: 60 };
  let key: string;
  beforeEach(() => {
    now = Date.parse('2026-11-25T10:00:05.000Z');
    key = `actor:${Math.random()}`;
  });

  it('allows up to the limit in a window, then refuses with the time left in it', async () => {
    const limiter = create();
    for (let i = 0; i < 3; i += 1) expect(await limiter.consume(key, limit)).toEqual({ allowed: true, retryAfterSeconds: 0 });
    expect(await limiter.consume(key, limit)).toEqual({ allowed: false, retryAfterSeconds: 55 });
  });

  it('starts afresh in the next window and keeps keys apart', async () => {
    const limiter = create();
    for (let i = 0; i < 3; i += 1) await limiter.consume(key, limit);
    expect((await limiter.consume(`${key}-other`, limit)).allowed).toBe(true);
    now += 60_000;
    expect((await limiter.consume(key, limit)).allowed).toBe(true);
  });

  it('never lets concurrent callers exceed the limit', async () => {
    const limiter = create();
    const results = await Promise.all(Array.from({ length: 20 }, () => limiter.consume(key, { requests: 5, window_seconds: 60 })));
    expect(results.filter((result) => result.allowed)).toHaveLength(5);
  });
});

describe('DynamoDB rate limiter shared by instances', () => {
  it('counts across two limiter instances (as two Lambda instances would)', async () => {
    const make = () => createDynamoDbRateLimiter(createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint }), 'limits-test', clock);
    const [a, b] = [make(), make()];
    const limit = { requests: 2, window_seconds: 60 };
    expect((await a.consume('shared', limit)).allowed).toBe(true);
    expect((await b.consume('shared', limit)).allowed).toBe(true);
    expect((await a.consume('shared', limit)).allowed).toBe(false);
  });
});

describe('concurrency limiter', () => {
  it('caps slots and frees them once, even if released twice', () => {
    const limiter = createConcurrencyLimiter();
    const first = limiter.tryAcquire(2)!;
    const second = limiter.tryAcquire(2)!;
    expect(limiter.tryAcquire(2)).toBeUndefined();
    first.release();
    first.release();
    expect(first.released).toBe(true);
    expect(limiter.inFlight).toBe(1);
    expect(limiter.tryAcquire(2)).toBeDefined();
    second.release();
    expect(limiter.tryAcquire(undefined)).toBeDefined();
  });
});
