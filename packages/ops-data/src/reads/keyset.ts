import { z } from 'zod';

/**
 * The sort key of the last row of a page, to continue after it. Timestamps are kept as
 * exact microsecond text (`sort_at` columns), so rows written within the same millisecond
 * are neither skipped nor repeated.
 */
export const KeysetPosition = z.object({
  rank: z.string().regex(/^\d+(\.\d+)?$/).optional(),
  at: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/)
    .refine(isRealTimestamp, 'not a real date and time'),
  id: z.string().max(16),
});
/** `2026-02-30T25:00:00.000000` matches the pattern but is no time at all: it must never reach a query. */
function isRealTimestamp(text: string): boolean {
  const parsed = new Date(`${text.slice(0, 23)}Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 23) === text.slice(0, 23) && parsed.getUTCFullYear() >= 1900;
}

export type KeysetPosition = z.output<typeof KeysetPosition>;

/** Exact UTC text of a timestamp column, for keyset comparisons. */
export const sortAt = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS sort_at`;

export interface Page<T> {
  readonly items: T[];
  readonly total: number;
  /** Where the next page starts; undefined on the last page. */
  readonly next?: KeysetPosition;
}

/** Splits a `limit + 1` fetch into the page and the position after it. */
export function pageOf<T extends { position: KeysetPosition }>(rows: T[], limit: number, total: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, total, next: rows.length > limit && last ? last.position : undefined };
}
