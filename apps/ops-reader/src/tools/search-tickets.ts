import { z } from 'zod';
import { Handle, TicketPriority, TicketStatus } from '@gmcp/ops-data';
import { tool } from '../deps';
import { anyOf, CursorInput, DateInput, iso, keysetCursor, pageSize, TICKET_TOOL_GOVERNANCE } from './common';

const TicketSummary = z.object({
  ticket_id: z.string(),
  title: z.string(),
  status: TicketStatus,
  priority: TicketPriority,
  assignee: z.string().nullable(),
  team: z.string(),
  requester: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  snippet: z.string().describe('extract of the description; for text searches, matched words are marked **like this**'),
});

export const searchTickets = tool({
  name: 'search_tickets',
  title: 'Search tickets',
  description:
    'Find tickets by words in their title and description and/or by status, priority, assignee, team, requester and creation date. ' +
    'With text, the best matches come first; without, the newest. Pages with next_cursor. For a known id such as TCK-1042 use get_ticket_status.',
  ...TICKET_TOOL_GOVERNANCE,
  input: z
    .object({
      text: z.string().trim().min(2).max(200).optional().describe('words to look for; "quoted phrases" and -exclusions work'),
      status: anyOf(TicketStatus, 5).describe('any of these statuses'),
      priority: anyOf(TicketPriority, 4).describe('any of these priorities'),
      assignee: Handle.optional().describe('handle of the person assigned, e.g. amira.haddad'),
      team: Handle.optional().describe('owning team, e.g. network'),
      requester: Handle.optional(),
      created_after: DateInput.optional().describe('created at or after this time (inclusive); a date means its start, UTC'),
      created_before: DateInput.optional().describe('created before this time (exclusive): for one day, pass the next day'),
      limit: pageSize(50, 10),
      cursor: CursorInput,
    })
    .refine((input) => !input.created_after || !input.created_before || input.created_after < input.created_before, {
      message: 'created_after must be before created_before',
      path: ['created_after'],
    }),
  output: z.object({
    tickets: z.array(TicketSummary),
    total: z.number().int().describe('matching tickets in all pages'),
    next_cursor: z.string().nullable(),
  }),
  handler: async ({ limit, cursor, ...input }, ctx) => {
    const filters = {
      text: input.text,
      statuses: input.status,
      priorities: input.priority,
      assignee: input.assignee,
      team: input.team,
      requester: input.requester,
      createdAfter: input.created_after,
      createdBefore: input.created_before,
    };
    const request = ['search_tickets', filters, limit];
    const page = await ctx.deps.tickets.search(filters, { limit, after: keysetCursor.decode(cursor, request, ctx) });
    return {
      tickets: page.items.map(({ ticket, snippet }) => ({
        ticket_id: ticket.id,
        title: ticket.title,
        status: ticket.status,
        priority: ticket.priority,
        assignee: ticket.assignee,
        team: ticket.team,
        requester: ticket.requester,
        created_at: iso(ticket.createdAt),
        updated_at: iso(ticket.updatedAt),
        snippet,
      })),
      total: page.total,
      next_cursor: page.next ? keysetCursor.encode(page.next, request, ctx) : null,
    };
  },
  render: ({ tickets, total, next_cursor }) =>
    [
      ...tickets.map((ticket) => `- ${ticket.ticket_id} [${ticket.status}, ${ticket.priority}, ${ticket.team}, ${ticket.assignee ?? 'unassigned'}] ${ticket.title}`),
      `(${tickets.length} of ${total} matching tickets${next_cursor ? '; more with next_cursor' : ''})`,
    ].join('\n'),
});
