import { TransactionCanceledException, TransactWriteItemsCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AuditRecord } from './audit-record';
import { auditPut, transactionToken } from './dynamodb-audit-store';
import type { Admission, CallAdmission, Counter } from './call-admission';
import { counterUpdate } from '../limits/dynamodb-rate-limiter';
import { fixedWindow } from '../limits/rate-limiter';
import { shardCount, shardKey, shardLimit } from '../limits/sharded-rate-limiter';

/** Transactions cancelled because another one held an item (a busy counter) are tried again, on other shards, this many times. */
const CONFLICT_ATTEMPTS = 5;
/** The first wait before trying again after a conflict; it doubles, with jitter. */
const CONFLICT_BACKOFF_MS = 5;

interface CounterPlan {
  counter: Counter;
  shards: number;
  shard: number;
  /** Shards found full in this window. */
  full: Set<number>;
}

/**
 * The rate decision and the write-ahead record in one DynamoDB round trip: one transaction
 * holds each counter's conditional increment (on one of its shards, for limits high enough to
 * be spread) and the record's conditional put, so that a record is written only for a call
 * the limits admit, and a count is taken only with its record. A full shard sends the call to
 * the next one (another round trip, near the limit only); a conflict with a concurrent
 * transaction on the same counter is tried again after a short jittered wait, on another shard
 * where there are several, and after five conflicts the call is refused as contended (nothing
 * written). The transaction's client token makes the SDK's own retries of a request whose
 * answer was lost idempotent.
 */
export function createDynamoDbCallAdmission(
  client: DynamoDBClient,
  tables: { counters: string; audit: string },
  options: { clock?: () => number; random?: () => number } = {},
): CallAdmission {
  const clock = options.clock ?? Date.now;
  const random = options.random ?? Math.random;
  return {
    async admit(record, counters) {
      const now = clock();
      const plans: CounterPlan[] = counters.map((counter) => {
        const shards = shardCount(counter.limit);
        return { counter, shards, shard: Math.floor(random() * shards), full: new Set() };
      });
      for (let attempt = 0, conflicts = 0; ; attempt += 1) {
        const refusal = await tryOnce(client, tables, record, plans, now, attempt);
        if (refusal === undefined) return { admitted: true };
        if (refusal.kind === 'full') {
          const { plan } = refusal;
          plan.full.add(plan.shard);
          if (plan.full.size >= plan.shards) return refused(plan.counter, now);
          plan.shard = openShard(plan, plan.shard + 1);
          continue;
        }
        conflicts += 1;
        if (conflicts >= CONFLICT_ATTEMPTS) return { admitted: false, contended: true };
        await sleep(CONFLICT_BACKOFF_MS * 2 ** (conflicts - 1) * (0.5 + random()));
        for (const plan of plans) plan.shard = openShard(plan, Math.floor(random() * plan.shards));
      }
    },
  };
}

/** The first shard from `from` on (wrapping) not found full. */
function openShard(plan: CounterPlan, from: number): number {
  for (let step = 0; step < plan.shards; step += 1) {
    const shard = (from + step) % plan.shards;
    if (!plan.full.has(shard)) return shard;
  }
  return from % plan.shards;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function refused(counter: Counter, now: number): Admission {
  return { admitted: false, counter, retryAfterSeconds: fixedWindow(counter.limit, now).retryAfterSeconds };
}

async function tryOnce(
  client: DynamoDBClient,
  tables: { counters: string; audit: string },
  record: AuditRecord,
  plans: CounterPlan[],
  now: number,
  attempt: number,
): Promise<undefined | { kind: 'full'; plan: CounterPlan } | { kind: 'conflict' }> {
  const updates = plans.map((plan) => ({ Update: counterUpdate(tables.counters, shardKey(plan.counter.key, plan.shards, plan.shard), shardLimit(plan.counter.limit, plan.shards, plan.shard), now) }));
  try {
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [...updates, { Put: auditPut(tables.audit, record) }],
        // One per attempt, since each attempt may count on other shards.
        ClientRequestToken: transactionToken(`${record.event_id}/${attempt}`),
      }),
    );
    return undefined;
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const reasons = error.CancellationReasons ?? [];
    const full = plans.find((_, index) => reasons[index]?.Code === 'ConditionalCheckFailed');
    if (full) return { kind: 'full', plan: full };
    if (reasons.some((reason) => reason.Code === 'TransactionConflict')) return { kind: 'conflict' };
    // The record's own condition: an event id already taken, which never happens to a new record.
    throw new Error(`Audit record ${record.event_id} could not be written: ${reasons.map((reason) => reason.Code).join(', ')}`, { cause: error });
  }
}

