import type { AuditRecord } from './audit-record';
import type { AuditStore } from './audit-store';
import type { Limit } from '../governance/governance-policy';
import type { RateLimiter } from '../limits/rate-limiter';

/** A rate counter a call counts on: its key (which starts with the server's name) and its limit. */
export interface Counter {
  key: string;
  limit: Limit;
}

export type Admission = { admitted: true } | Refusal;

export type Refusal =
  /** The first counter found full: nothing was written. */
  | { admitted: false; counter: Counter; retryAfterSeconds: number }
  /** Counters too busy with concurrent calls to take this one now: nothing was written. */
  | { admitted: false; contended: true };

/**
 * Counts a call on its rate counters and writes its record, as one step: both happen, or
 * neither does. Rejects when the store cannot say (the caller runs nothing).
 */
export interface CallAdmission {
  admit(record: AuditRecord, counters: readonly Counter[]): Promise<Admission>;
}

/**
 * Counters first, then the record, one after the other: for counters kept in memory (one
 * process, no round trip) or in a store that cannot write both at once. A call whose record
 * cannot be written after it was counted has used up its count and does not run.
 */
export function sequentialAdmission(limiter: RateLimiter, store: AuditStore): CallAdmission {
  return {
    async admit(record, counters) {
      for (const counter of counters) {
        const decision = await limiter.consume(counter.key, counter.limit);
        if (!decision.allowed) return { admitted: false, counter, retryAfterSeconds: decision.retryAfterSeconds };
      }
      await store.append(record);
      return { admitted: true };
    },
  };
}
