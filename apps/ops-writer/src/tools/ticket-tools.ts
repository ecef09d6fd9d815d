import { z } from 'zod';
import { NotFoundError, ToolError, type ToolContext, type ToolResource } from '@gmcp/mcp-kit';
import { Handle, TicketId, TicketPriority, TicketStatus } from '@gmcp/ops-data';
import { tool, type OpsWriterDeps } from '../deps';
import { IdempotencyKey, Reason, TICKET_WRITE_GOVERNANCE, TicketView, ticketView } from './common';

type Ctx = ToolContext<OpsWriterDeps>;
const writeContext = (ctx: Ctx, idempotencyKey?: string) => ({ actor: ctx.actor.subject, idempotencyKey });

/** The ticket a call acts on, as call policies see it (`resource.team`, `resource.requester`). */
const ticketResource: ToolResource<{ ticket_id: string }, OpsWriterDeps> = {
  type: 'Ticket',
  shape: z.object({ team: z.string(), requester: z.string(), status: z.string(), priority: z.string(), assignee: z.string().optional() }),
  load: async ({ ticket_id }, ctx) => {
    const detail = await ctx.deps.reads.tickets.get(ticket_id, 0);
    if (!detail) throw new NotFoundError(`Ticket ${ticket_id} does not exist.`);
    const { team, requester, status, priority, assignee } = detail.ticket;
    return { id: ticket_id, attributes: { team, requester, status, priority, ...(assignee ? { assignee } : {}) } };
  },
};

export const createTicket = tool({
  name: 'create_ticket',
  title: 'Create a ticket',
  description: 'Opens a new ticket for a team, requested by the caller. Pass an idempotency_key so that a retry does not open a second ticket.',
  ...TICKET_WRITE_GOVERNANCE,
  risk: 'low',
  input: z.object({
    title: z.string().trim().min(5).max(200),
    description: z.string().trim().min(10).max(20_000),
    priority: TicketPriority.default('P3'),
    team: Handle.describe('owning team, e.g. network'),
    assignee: Handle.optional(),
    labels: z.array(z.string().trim().toLowerCase().regex(/^[a-z0-9][a-z0-9-]{0,39}$/)).max(10).optional(),
    idempotency_key: IdempotencyKey,
  }),
  output: z.object({ ticket: TicketView }),
  handler: async ({ idempotency_key, ...ticket }, ctx) => ({ ticket: ticketView(await ctx.deps.tickets.create(writeContext(ctx, idempotency_key), ticket)) }),
  render: ({ ticket }) => `Created ${ticket.ticket_id}: ${ticket.title} (${ticket.priority}, team ${ticket.team})`,
});

export const addTicketComment = tool({
  name: 'add_ticket_comment',
  title: 'Comment on a ticket',
  description: 'Adds a comment by the caller to a ticket.',
  ...TICKET_WRITE_GOVERNANCE,
  risk: 'low',
  input: z.object({ ticket_id: TicketId, body: z.string().trim().min(1).max(10_000), idempotency_key: IdempotencyKey }),
  output: z.object({ ticket_id: z.string(), author: z.string(), body: z.string(), created_at: z.string() }),
  handler: async ({ ticket_id, body, idempotency_key }, ctx) => {
    const comment = await ctx.deps.tickets.addComment(writeContext(ctx, idempotency_key), ticket_id, body);
    return { ticket_id, author: comment.author, body: comment.body, created_at: comment.createdAt.toISOString() };
  },
  render: (comment) => `Comment added to ${comment.ticket_id} by ${comment.author} at ${comment.created_at}.`,
});

export const updateTicket = tool({
  name: 'update_ticket',
  title: 'Update a ticket',
  description:
    'Changes a ticket\'s status, assignee (null to unassign) or priority. Resolving or closing sets the resolution "fixed"; to close as won\'t fix, use close_ticket_as_wont_fix.',
  ...TICKET_WRITE_GOVERNANCE,
  risk: 'medium',
  input: z
    .object({
      ticket_id: TicketId,
      status: TicketStatus.optional(),
      assignee: Handle.nullable().optional(),
      priority: TicketPriority.optional(),
      idempotency_key: IdempotencyKey,
    })
    .refine((input) => input.status !== undefined || input.assignee !== undefined || input.priority !== undefined, { message: 'change at least one of status, assignee, priority' }),
  output: z.object({ ticket: TicketView }),
  resource: ticketResource,
  // What the user sees when they confirm it in the console (a client that cannot ask them).
  precheck: async ({ ticket_id, status, assignee, priority }, ctx) => {
    const detail = await ctx.deps.reads.tickets.get(ticket_id, 0);
    if (!detail) throw new NotFoundError(`Ticket ${ticket_id} does not exist.`);
    const { ticket } = detail;
    return [
      ...(status !== undefined ? [{ field: 'status', current: ticket.status, proposed: status }] : []),
      ...(priority !== undefined ? [{ field: 'priority', current: ticket.priority, proposed: priority }] : []),
      ...(assignee !== undefined ? [{ field: 'assignee', current: ticket.assignee ?? null, proposed: assignee }] : []),
    ];
  },
  handler: async ({ ticket_id, idempotency_key, ...changes }, ctx) => ({ ticket: ticketView(await ctx.deps.tickets.update(writeContext(ctx, idempotency_key), ticket_id, changes)) }),
  render: ({ ticket }) => `Updated ${ticket.ticket_id}: ${ticket.status}${ticket.resolution ? ` (${ticket.resolution})` : ''}, ${ticket.priority}, assignee ${ticket.assignee ?? 'nobody'}.`,
});

export const closeTicketAsWontFix = tool({
  name: 'close_ticket_as_wont_fix',
  title: "Close a ticket as won't fix",
  description:
    "Closes a ticket without doing the work, with the reason as a comment. The ticket's requester confirms it; anyone else's request waits for a human approver (then follow it with get_request_status).",
  ...TICKET_WRITE_GOVERNANCE,
  // Raised per call by the server's call policies: approval unless the caller requested the ticket.
  risk: 'medium',
  callPolicy: 'required',
  input: z.object({ ticket_id: TicketId, reason: Reason }),
  output: z.object({ ticket: TicketView, comment: z.object({ author: z.string(), body: z.string(), created_at: z.string() }) }),
  resource: ticketResource,
  precheck: async ({ ticket_id }, ctx) => {
    const detail = await ctx.deps.reads.tickets.get(ticket_id, 0);
    if (!detail) throw new NotFoundError(`Ticket ${ticket_id} does not exist.`);
    if (detail.ticket.status === 'closed') throw new ToolError(`Ticket ${ticket_id} is already closed.`);
    return [
      { field: 'status', current: detail.ticket.status, proposed: 'closed' },
      { field: 'resolution', current: detail.ticket.resolution ?? null, proposed: 'wont_fix' },
    ];
  },
  handler: async ({ ticket_id, reason }, ctx) => {
    const { ticket, comment } = await ctx.deps.tickets.closeAsWontFix(writeContext(ctx, ctx.approvalId), ticket_id, reason);
    return { ticket: ticketView(ticket), comment: { author: comment.author, body: comment.body, created_at: comment.createdAt.toISOString() } };
  },
});
