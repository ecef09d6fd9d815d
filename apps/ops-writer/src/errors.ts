import { NotFoundError, ToolError } from '@gmcp/mcp-kit';
import { OpsDataError, RecordNotFoundError } from '@gmcp/ops-data';

/** The data layer's refusals as the caller reads them: a missing ticket or incident, a change refused, the database unavailable. */
export function writerErrorFor(error: unknown): ToolError | undefined {
  if (error instanceof RecordNotFoundError) return new NotFoundError(error.message, { cause: error });
  if (error instanceof OpsDataError) return new ToolError(error.message, { cause: error });
  return undefined;
}
