import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ToolError } from '../errors/errors';

/** The `cursor` input of a paged tool. */
export const CursorInput = z.string().max(1024).optional().describe('next_cursor from the previous page of the same request');

const CursorContent = z.object({ p: z.unknown(), h: z.string() });

export interface PagingCursor<Position> {
  /** An opaque cursor for `position`, valid only for the same `request`. */
  encode(position: Position, request: unknown): string;
  /** The position a cursor points at, or undefined without one. A cursor from another request is refused. */
  decode(cursor: string | undefined, request: unknown): Position | undefined;
}

/**
 * Opaque paging cursors: a position (an offset, or the sort key of the last row) bound to
 * a fingerprint of the request it came from, so that a cursor replayed against different
 * filters is refused instead of silently skipping rows. Cursors are not secret: every
 * page re-applies the caller's filters and permissions.
 */
export function pagingCursor<S extends z.ZodType>(position: S): PagingCursor<z.output<S>> {
  return {
    encode: (value, request) => Buffer.from(JSON.stringify({ p: value, h: requestFingerprint(request) })).toString('base64url'),
    decode: (cursor, request) => {
      if (cursor === undefined) return undefined;
      try {
        const content = CursorContent.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
        const parsed = position.safeParse(content.p);
        if (content.h === requestFingerprint(request) && parsed.success) return parsed.data;
      } catch {
        // falls through to the refusal below
      }
      throw new ToolError('Invalid cursor: pass back the next_cursor of the same request unchanged');
    },
  };
}

/** A short stable hash of a request's parameters. */
export function requestFingerprint(request: unknown): string {
  return createHash('sha256').update(JSON.stringify(request ?? null)).digest('base64url').slice(0, 16);
}
