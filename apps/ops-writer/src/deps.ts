import type { IncidentWrites, TicketWrites } from '@gmcp/ops-data';

/** The adapters the writer's tools use, chosen by configuration in `service.ts`. */
export interface OpsWriterDeps {
  readonly tickets: TicketWrites;
  readonly incidents: IncidentWrites;
}
