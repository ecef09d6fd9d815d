import type { z } from 'zod';
import type { SqlExecutor, SqlSession } from '../sql/sql-executor';
import { IdempotencyRaceError, requestHash, withIdempotency } from './idempotency';

/** Who writes, and how a retried call is recognised. */
export interface WriteContext {
  /** The caller's handle: the author of comments and timeline entries, the default requester. */
  readonly actor: string;
  /** Makes a retried call return the first call's result instead of applying it again. */
  readonly idempotencyKey?: string;
  /** The time the write happens at; the current time when absent. */
  readonly now?: Date;
}

export interface WriteOperation<T> {
  /** The tool name the idempotency key is scoped to. */
  readonly tool: string;
  /** The call's arguments, without the key; a retry must repeat them exactly. */
  readonly args: unknown;
  /** Decodes the stored result of an earlier call (JSON) back into `T`. */
  readonly storedResult: z.ZodType<T>;
}

/** Runs `work` in one transaction, at most once per idempotency key. */
export async function runWrite<T>(
  executor: SqlExecutor,
  context: WriteContext,
  operation: WriteOperation<T>,
  work: (session: SqlSession, now: Date) => Promise<T>,
): Promise<T> {
  const now = context.now ?? new Date();
  const key = context.idempotencyKey;
  const attempt = () =>
    executor.transaction((session) => {
      if (key === undefined) return work(session, now);
      const request = { actor: context.actor, tool: operation.tool, key, requestHash: requestHash(operation.args) };
      return withIdempotency(session, request, () => work(session, now), operation.storedResult);
    });
  try {
    return await attempt();
  } catch (error) {
    // The concurrent call has committed its record by now, so a second attempt replays it.
    if (error instanceof IdempotencyRaceError) return attempt();
    throw error;
  }
}
