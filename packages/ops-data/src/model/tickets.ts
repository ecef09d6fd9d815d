import { z } from 'zod';
import { prefixedId } from './prefixed-id';

export const TICKET_STATUSES = ['open', 'in_progress', 'waiting', 'resolved', 'closed'] as const;
export const TICKET_PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export const TICKET_RESOLUTIONS = ['fixed', 'wont_fix', 'duplicate', 'cannot_reproduce'] as const;

export const TicketId = prefixedId('TCK', 'TCK-1042', 'Ticket');

export const TicketStatus = z.enum(TICKET_STATUSES);
export const TicketPriority = z.enum(TICKET_PRIORITIES);
export const TicketResolution = z.enum(TICKET_RESOLUTIONS);

/** A person's handle or a team's name, as stored: lower-case letters, digits, dots and dashes. */
export const Handle = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a handle such as amira.haddad or a team such as network')
  .transform((handle) => handle.toLowerCase());

export interface Ticket {
  id: string;
  title: string;
  description: string;
  status: z.output<typeof TicketStatus>;
  resolution: z.output<typeof TicketResolution> | null;
  priority: z.output<typeof TicketPriority>;
  requester: string;
  assignee: string | null;
  team: string;
  labels: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface TicketComment {
  author: string;
  body: string;
  createdAt: Date;
}

/** A ticket as tools return it: snake_case names, ISO 8601 times. */
export function ticketRecord(ticket: Ticket) {
  return {
    ticket_id: ticket.id,
    title: ticket.title,
    status: ticket.status,
    resolution: ticket.resolution,
    priority: ticket.priority,
    assignee: ticket.assignee,
    team: ticket.team,
    requester: ticket.requester,
    labels: ticket.labels,
    created_at: ticket.createdAt.toISOString(),
    updated_at: ticket.updatedAt.toISOString(),
  };
}
