import type { IncidentReads, TicketReads } from '@gmcp/ops-data';

/** The adapters the reader's tools use, chosen by configuration in `database.ts`. */
export interface OpsReaderDeps {
  readonly tickets: TicketReads;
  readonly incidents: IncidentReads;
}
