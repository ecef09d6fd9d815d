import { z } from 'zod';
import { ticketRecord, TicketId, TicketPriority, TicketResolution, TicketStatus, type TicketDetail } from '@gmcp/ops-data';
import { tool } from '../deps';
import { iso, TICKET_TOOL_GOVERNANCE } from './common';

const LATEST_COMMENTS = 5;

const TicketStatusView = z.object({
  ticket_id: z.string(),
  title: z.string(),
  status: TicketStatus,
  resolution: TicketResolution.nullable(),
  priority: TicketPriority,
  assignee: z.string().nullable().describe('null when nobody is assigned'),
  team: z.string(),
  requester: z.string(),
  labels: z.array(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
  comment_count: z.number().int(),
  latest_comments: z.array(z.object({ author: z.string(), body: z.string(), created_at: z.string() })).describe(`newest first, at most ${LATEST_COMMENTS}`),
});

export const getTicketStatus = tool({
  name: 'get_ticket_status',
  title: 'Ticket status',
  description:
    'Current status, priority, assignee and team of one ticket, with its latest comments. Use it for "what is the status of TCK-1042". ' +
    'An unknown id gives found=false, not an error.',
  ...TICKET_TOOL_GOVERNANCE,
  input: z.object({ ticket_id: TicketId }),
  output: z.object({
    found: z.boolean(),
    ticket: TicketStatusView.nullable(),
    message: z.string().nullable().describe('why nothing was found'),
  }),
  handler: async ({ ticket_id }, ctx) => {
    const detail = await ctx.deps.tickets.get(ticket_id, LATEST_COMMENTS);
    if (!detail) return { found: false, ticket: null, message: `No ticket ${ticket_id}. Use search_tickets to find tickets by words or filters.` };
    return { found: true, ticket: statusView(detail), message: null };
  },
  render: ({ ticket, message }) =>
    ticket
      ? [
          `${ticket.ticket_id}: ${ticket.title}`,
          `Status ${ticket.status}${ticket.resolution ? ` (${ticket.resolution})` : ''}, ${ticket.priority}, team ${ticket.team}, assignee ${ticket.assignee ?? 'nobody'}, requested by ${ticket.requester}`,
          `Opened ${ticket.created_at}, last updated ${ticket.updated_at}; ${ticket.comment_count} comment(s)`,
          ...ticket.latest_comments.map((comment) => `- ${comment.created_at} ${comment.author}: ${comment.body}`),
        ].join('\n')
      : (message ?? ''),
});

function statusView({ ticket, commentCount, latestComments }: TicketDetail): z.input<typeof TicketStatusView> {
  return {
    ...ticketRecord(ticket),
    comment_count: commentCount,
    latest_comments: latestComments.map((comment) => ({ author: comment.author, body: comment.body, created_at: iso(comment.createdAt) })),
  };
}
