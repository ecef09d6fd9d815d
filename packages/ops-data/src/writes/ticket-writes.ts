import { ChangeRefusedError, RecordNotFoundError } from '../errors';
import { z } from 'zod';
import { selectRows } from '../sql/codecs';
import type { SqlExecutor, SqlSession } from '../sql/sql-executor';
import { textArrayParam, utcParam, type SqlParam } from '../sql/statement';
import { TicketResolution, TicketStatus, type Ticket, type TicketComment } from '../model/tickets';
import { CommentRow, TICKET_COLUMNS, TicketColumns, toTicket } from '../reads/ticket-reads';
import { StoredTicket, StoredTicketComment } from './stored-results';
import { runWrite, type WriteContext } from './write-context';

export interface NewTicket {
  title: string;
  description: string;
  priority: Ticket['priority'];
  team: string;
  /** The actor when absent. */
  requester?: string;
  assignee?: string;
  labels?: readonly string[];
}

export interface TicketChanges {
  /** Resolved or closed without a resolution yet sets `fixed`; open, in progress or waiting clears it. */
  status?: Ticket['status'];
  /** `null` unassigns. */
  assignee?: string | null;
  priority?: Ticket['priority'];
}

export interface ClosedTicket {
  ticket: Ticket;
  /** The reason, as a comment by the actor. */
  comment: TicketComment;
}

export interface TicketWrites {
  create(context: WriteContext, ticket: NewTicket): Promise<Ticket>;
  addComment(context: WriteContext, ticketId: string, body: string): Promise<TicketComment>;
  update(context: WriteContext, ticketId: string, changes: TicketChanges): Promise<Ticket>;
  closeAsWontFix(context: WriteContext, ticketId: string, reason: string): Promise<ClosedTicket>;
}

/** The tool names idempotency keys are scoped to. */
export const TICKET_WRITE_TOOLS = {
  create: 'create_ticket',
  addComment: 'add_ticket_comment',
  update: 'update_ticket',
  closeAsWontFix: 'close_ticket_as_wont_fix',
} as const;

const NOW = utcParam('now');

export function createTicketWrites(executor: SqlExecutor): TicketWrites {
  return {
    create: (context, ticket) =>
      runWrite(executor, context, { tool: TICKET_WRITE_TOOLS.create, args: ticket, storedResult: StoredTicket }, (session, now) =>
        insertTicket(session, { ...ticket, requester: ticket.requester ?? context.actor }, now),
      ),

    addComment: (context, ticketId, body) =>
      runWrite(executor, context, { tool: TICKET_WRITE_TOOLS.addComment, args: { ticketId, body }, storedResult: StoredTicketComment }, async (session, now) => {
        await touchTicket(session, ticketId, now);
        return insertComment(session, ticketId, context.actor, body, now);
      }),

    update: async (context, ticketId, changes) => {
      if (changes.status === undefined && changes.assignee === undefined && changes.priority === undefined) {
        throw new ChangeRefusedError('Nothing to update: give a status, an assignee (null to unassign) or a priority');
      }
      return runWrite(executor, context, { tool: TICKET_WRITE_TOOLS.update, args: { ticketId, changes }, storedResult: StoredTicket }, (session, now) =>
        updateTicket(session, ticketId, changes, now),
      );
    },

    closeAsWontFix: (context, ticketId, reason) =>
      runWrite(
        executor,
        context,
        { tool: TICKET_WRITE_TOOLS.closeAsWontFix, args: { ticketId, reason }, storedResult: z.object({ ticket: StoredTicket, comment: StoredTicketComment }) },
        async (session, now) => {
          const current = await lockTicket(session, ticketId);
          if (current.status === 'closed') throw new ChangeRefusedError(`Ticket ${ticketId} is already closed (resolution: ${current.resolution ?? 'none'})`);
          const ticket = await setTicket(session, ticketId, ["status = 'closed'", "resolution = 'wont_fix'"], {}, now);
          const comment = await insertComment(session, ticketId, context.actor, reason, now);
          return { ticket, comment };
        },
      ),
  };
}

function ticketNotFound(ticketId: string): RecordNotFoundError {
  return new RecordNotFoundError(`Ticket ${ticketId} does not exist`);
}

async function insertTicket(session: SqlSession, ticket: NewTicket & { requester: string }, now: Date): Promise<Ticket> {
  const [row] = await selectRows(session, TicketColumns, {
    sql: `INSERT INTO tickets (id, title, description, status, priority, requester, assignee, team, labels, created_at, updated_at)
          VALUES ('TCK-' || nextval('ticket_number'), :title, :description, 'open', :priority, :requester, :assignee::text, :team, :labels::text[], ${NOW}, ${NOW})
          RETURNING ${TICKET_COLUMNS}`,
    params: {
      title: ticket.title,
      description: ticket.description,
      priority: ticket.priority,
      requester: ticket.requester,
      assignee: ticket.assignee ?? null,
      team: ticket.team,
      labels: textArrayParam(ticket.labels ?? []),
      now,
    },
  });
  if (!row) throw new Error('INSERT … RETURNING returned no ticket');
  return toTicket(row);
}

const LockedTicket = z.object({ status: TicketStatus, resolution: TicketResolution.nullable() });

/** The ticket's current state, locked until the transaction ends. */
async function lockTicket(session: SqlSession, ticketId: string): Promise<z.output<typeof LockedTicket>> {
  const [row] = await selectRows(session, LockedTicket, { sql: 'SELECT status, resolution FROM tickets WHERE id = :id FOR UPDATE', params: { id: ticketId } });
  if (!row) throw ticketNotFound(ticketId);
  return row;
}

/** Applies `assignments` (fixed SQL, values as parameters) and touches `updated_at`. */
async function setTicket(session: SqlSession, ticketId: string, assignments: readonly string[], params: Record<string, SqlParam>, now: Date): Promise<Ticket> {
  const [row] = await selectRows(session, TicketColumns, {
    sql: `UPDATE tickets SET ${[...assignments, `updated_at = ${NOW}`].join(', ')} WHERE id = :id RETURNING ${TICKET_COLUMNS}`,
    params: { ...params, id: ticketId, now },
  });
  if (!row) throw ticketNotFound(ticketId);
  return toTicket(row);
}

const touchTicket = (session: SqlSession, ticketId: string, now: Date) => setTicket(session, ticketId, [], {}, now);

// Assignments read the row as it was, so the resolution follows the status the row ends with.
const UPDATE_ASSIGNMENTS = [
  'status = COALESCE(:status::text, status)',
  'priority = COALESCE(:priority::text, priority)',
  'assignee = CASE WHEN :change_assignee::boolean THEN :assignee::text ELSE assignee END',
  "resolution = CASE WHEN COALESCE(:status::text, status) IN ('resolved', 'closed') THEN COALESCE(resolution, 'fixed') END",
];

function updateTicket(session: SqlSession, ticketId: string, changes: TicketChanges, now: Date): Promise<Ticket> {
  return setTicket(
    session,
    ticketId,
    UPDATE_ASSIGNMENTS,
    { status: changes.status ?? null, priority: changes.priority ?? null, change_assignee: changes.assignee !== undefined, assignee: changes.assignee ?? null },
    now,
  );
}

async function insertComment(session: SqlSession, ticketId: string, author: string, body: string, now: Date): Promise<TicketComment> {
  const [row] = await selectRows(session, CommentRow, {
    sql: `INSERT INTO ticket_comments (ticket_id, author, body, created_at) VALUES (:id, :author, :body, ${NOW}) RETURNING author, body, created_at`,
    params: { id: ticketId, author, body, now },
  });
  if (!row) throw new Error('INSERT … RETURNING returned no comment');
  const { created_at, ...comment } = row;
  return { ...comment, createdAt: created_at };
}
