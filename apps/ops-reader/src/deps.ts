import { toolsFor } from '@gmcp/mcp-kit';
import type { IncidentReads, TicketReads } from '@gmcp/ops-data';

/** The adapters the reader's tools use, chosen by configuration in `database.ts`. */
export interface OpsReaderDeps {
  readonly tickets: TicketReads;
  readonly incidents: IncidentReads;
}

/** `defineTool` for this server's tools: a handler's `ctx.deps` is OpsReaderDeps, with no annotation. */
export const tool = toolsFor<OpsReaderDeps>();
