import { z } from 'zod';
import { ToolError } from '@gmcp/mcp-kit';

const CursorContent = z.object({ o: z.number().int().nonnegative(), h: z.string() });

/** Opaque paging cursor: an offset bound to the request it came from. */
export function encodeCursor(offset: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ o: offset, h: fingerprint })).toString('base64url');
}

/** The offset a cursor points at; 0 without one. A cursor from another request is refused. */
export function decodeCursor(cursor: string | undefined, fingerprint: string): number {
  if (cursor === undefined) return 0;
  try {
    const content = CursorContent.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (content.h === fingerprint) return content.o;
  } catch {
    // falls through to the refusal below
  }
  throw new ToolError('Invalid cursor: pass back the next_cursor of the same request unchanged');
}

export const CursorInput = z.string().max(512).optional().describe('next_cursor from the previous page of the same request');
