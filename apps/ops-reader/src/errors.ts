import { ToolError } from '@gmcp/mcp-kit';
import { OpsDataError } from '@gmcp/ops-data';

/** The reader's reads refuse nothing on their own: what reaches the caller is the database being unavailable (retry shortly). */
export function readerErrorFor(error: unknown): ToolError | undefined {
  return error instanceof OpsDataError ? new ToolError(error.message, { cause: error }) : undefined;
}
