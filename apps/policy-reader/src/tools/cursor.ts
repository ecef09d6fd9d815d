import { z } from 'zod';
import { pagingCursor } from '@gmcp/mcp-kit';

export { CursorInput } from '@gmcp/mcp-kit';

/** Policy tools page by offset into a deterministic ordering. */
export const offsetCursor = pagingCursor(z.number().int().nonnegative());
