import { getIncident } from './get-incident';
import { getTicketStatus } from './get-ticket-status';
import { listIncidents } from './list-incidents';
import { searchTickets } from './search-tickets';

/** The reader's tools, in the order clients list them (`nx g @gmcp/generators:tool` appends here). */
export const opsReaderTools = [getTicketStatus, searchTickets, listIncidents, getIncident];
