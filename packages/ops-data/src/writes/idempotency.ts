import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ChangeRefusedError, OpsDataError } from '../errors';
import { jsonColumn, selectRows } from '../sql/codecs';
import type { SqlSession } from '../sql/sql-executor';
import { jsonParam } from '../sql/statement';

export interface IdempotentRequest {
  readonly actor: string;
  readonly tool: string;
  readonly key: string;
  /** {@link requestHash} of the call's arguments, without the key. */
  readonly requestHash: string;
}

export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/**
 * Another call with the same idempotency key committed between this call's look-up and its
 * own record: this call's changes must be rolled back. Retrying the whole transaction
 * returns the other call's result (see `runWrite`).
 */
export class IdempotencyRaceError extends OpsDataError {
  constructor() {
    super('Another call with the same idempotency key was applied at the same time; retry the call to get its result.');
  }
}

/** sha256 (hex) of `args` as canonical JSON: object keys sorted, `undefined` members left out. */
export function requestHash(args: unknown): string {
  return createHash('sha256').update(canonicalJson(args)).digest('hex');
}

function canonicalJson(value: unknown): string {
  // toJSON first, so that a Date hashes as the text it is stored as.
  const plain: unknown = JSON.parse(JSON.stringify(value) ?? 'null');
  return JSON.stringify(sortKeys(plain));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}

const StoredRequest = z.object({ request_hash: z.string(), result: jsonColumn(z.unknown()) });

/**
 * Runs `work` at most once per (actor, tool, key), inside the caller's transaction. A
 * retry with the same arguments gets the stored result, decoded with `storedResult`,
 * without running `work`; the same key with other arguments is refused. The primary key
 * settles two concurrent first calls: the later one's record is not inserted and it throws
 * {@link IdempotencyRaceError}, so its transaction rolls back.
 */
export async function withIdempotency<T>(
  session: SqlSession,
  request: IdempotentRequest,
  work: () => Promise<T>,
  storedResult: z.ZodType<T>,
): Promise<T> {
  assertKey(request.key);
  const previous = await findRequest(session, request);
  if (previous) return replay(previous, request, storedResult);
  const result = await work();
  const { rows } = await session.query({
    sql: `INSERT INTO write_requests (actor, tool, idempotency_key, request_hash, result)
          VALUES (:actor, :tool, :key, :hash, :result::jsonb)
          ON CONFLICT (actor, tool, idempotency_key) DO NOTHING
          RETURNING idempotency_key`,
    params: { actor: request.actor, tool: request.tool, key: request.key, hash: request.requestHash, result: jsonParam(result) },
  });
  if (rows.length !== 1) throw new IdempotencyRaceError();
  return result;
}

function assertKey(key: string): void {
  if (key.length < 1 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new ChangeRefusedError(`The idempotency key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters long`);
  }
}

async function findRequest(session: SqlSession, request: IdempotentRequest) {
  const [row] = await selectRows(session, StoredRequest, {
    sql: 'SELECT request_hash, result FROM write_requests WHERE actor = :actor AND tool = :tool AND idempotency_key = :key',
    params: { actor: request.actor, tool: request.tool, key: request.key },
  });
  return row;
}

function replay<T>(previous: z.output<typeof StoredRequest>, request: IdempotentRequest, storedResult: z.ZodType<T>): T {
  if (previous.request_hash !== request.requestHash) {
    throw new ChangeRefusedError(`Idempotency key "${request.key}" reused with different arguments for ${request.tool}; use a new key for a different request.`);
  }
  return storedResult.parse(previous.result);
}
