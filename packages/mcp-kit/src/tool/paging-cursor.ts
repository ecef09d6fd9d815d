import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ToolError } from '../errors/errors';
import type { CursorSeal } from './cursor-seal';

/** The `cursor` input of a paged tool. */
export const CursorInput = z.string().max(1024).optional().describe('next_cursor from the previous page of the same request');

const CursorContent = z.object({ p: z.unknown(), h: z.string() });

export interface PagingCursor<Position> {
  /** An opaque cursor for `position`, valid only for the same `request` by the same caller (`ctx`, the tool's context). */
  encode(position: Position, request: unknown, ctx: { readonly cursors: CursorSeal }): string;
  /** The position a cursor points at, or undefined without one. A forged cursor, or one from another request or caller, is refused. */
  decode(cursor: string | undefined, request: unknown, ctx: { readonly cursors: CursorSeal }): Position | undefined;
}

/**
 * Opaque paging cursors: a position (an offset, or the sort key of the last row) bound to a
 * fingerprint of the request it came from and sealed (HMAC with the server's key) to the caller,
 * so that a cursor replayed against different filters, altered, forged or passed to someone else
 * is refused instead of reaching a query. Every page still re-applies the caller's filters and
 * permissions.
 *
 * @example
 * ```ts
 * const offsetCursor = pagingCursor(z.number().int().nonnegative());
 * // in a handler:
 * const offset = offsetCursor.decode(cursor, request, ctx) ?? 0;
 * return { items, next_cursor: more ? offsetCursor.encode(offset + limit, request, ctx) : null };
 * ```
 */
export function pagingCursor<S extends z.ZodType>(position: S): PagingCursor<z.output<S>> {
  return {
    encode: (value, request, ctx) => ctx.cursors.seal({ p: value, h: requestFingerprint(request) }),
    decode: (cursor, request, ctx) => {
      if (cursor === undefined) return undefined;
      const content = CursorContent.safeParse(ctx.cursors.open(cursor));
      const parsed = content.success ? position.safeParse(content.data.p) : undefined;
      if (content.success && content.data.h === requestFingerprint(request) && parsed?.success) return parsed.data;
      throw new ToolError('Invalid cursor: pass back the next_cursor of the same request unchanged');
    },
  };
}

/** A short stable hash of a request's parameters. */
export function requestFingerprint(request: unknown): string {
  return createHash('sha256').update(JSON.stringify(request ?? null)).digest('base64url').slice(0, 16);
}
