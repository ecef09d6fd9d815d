import { toolsFor } from '@gmcp/mcp-kit';
import type { IncidentReads, IncidentWrites, TicketReads, TicketWrites } from '@gmcp/ops-data';

/** The adapters the writer's tools use, chosen by configuration in `service.ts`. */
export interface OpsWriterDeps {
  readonly tickets: TicketWrites;
  readonly incidents: IncidentWrites;
  /** Reads for the prechecks of high-risk tools (the writer's role may SELECT). */
  readonly reads: { readonly tickets: TicketReads; readonly incidents: IncidentReads };
}

/** `defineTool` for this server's tools: a handler's `ctx.deps` is OpsWriterDeps, with no annotation. */
export const tool = toolsFor<OpsWriterDeps>();
