import { addIncidentUpdate, changeIncidentSeverity, resolveIncident } from './incident-tools';
import { addTicketComment, closeTicketAsWontFix, createTicket, updateTicket } from './ticket-tools';

/** The writer's tools, in the order clients list them (`nx g @gmcp/generators:tool` appends here). */
export const opsWriterTools = [createTicket, addTicketComment, updateTicket, addIncidentUpdate, closeTicketAsWontFix, changeIncidentSeverity, resolveIncident];
