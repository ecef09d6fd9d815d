import { z } from 'zod';
import { integerColumn, selectRows, textArrayColumn, timestampColumn } from '../sql/codecs';
import type { SqlExecutor } from '../sql/sql-executor';
import { textArrayParam, utcParam, type SqlParam } from '../sql/statement';
import { TicketPriority, TicketResolution, TicketStatus, type Ticket, type TicketComment } from '../model/tickets';
import type { KeysetPosition} from './keyset';
import { pageOf, sortAt, type Page } from './keyset';
import { countWhere, Where } from './where';

export const TICKET_COLUMNS = 'id, title, description, status, resolution, priority, requester, assignee, team, labels, created_at, updated_at';

export const TicketColumns = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  status: TicketStatus,
  resolution: TicketResolution.nullable(),
  priority: TicketPriority,
  requester: z.string(),
  assignee: z.string().nullable(),
  team: z.string(),
  labels: textArrayColumn,
  created_at: timestampColumn,
  updated_at: timestampColumn,
});

export const toTicket = ({ created_at, updated_at, ...rest }: z.output<typeof TicketColumns>): Ticket => ({ ...rest, createdAt: created_at, updatedAt: updated_at });

const TicketWithComments = TicketColumns.extend({ comment_count: integerColumn });
export const CommentRow = z.object({ author: z.string(), body: z.string(), created_at: timestampColumn });
const SearchRow = TicketColumns.extend({ sort_at: z.string(), rank: z.string().nullable(), snippet: z.string() });

export interface TicketFilters {
  /** Words to look for in title and description (web-search syntax: "phrases", -exclusions, or). */
  text?: string;
  statuses?: readonly string[];
  priorities?: readonly string[];
  assignee?: string;
  team?: string;
  requester?: string;
  createdAfter?: Date;
  createdBefore?: Date;
}

export interface TicketDetail {
  ticket: Ticket;
  commentCount: number;
  /** Newest first. */
  latestComments: TicketComment[];
}

export interface TicketHit {
  ticket: Ticket;
  /** A short extract of the description, with matched words marked **like this** for text searches. */
  snippet: string;
  position: KeysetPosition;
}

const QUERY = "websearch_to_tsquery('english', :text)";
const RANK = `round(ts_rank(search, ${QUERY})::numeric, 6)`;
const HEADLINE = `ts_headline('english', description, ${QUERY}, 'StartSel=**, StopSel=**, MaxWords=30, MinWords=12, MaxFragments=1')`;

export interface TicketReads {
  get(id: string, commentLimit?: number): Promise<TicketDetail | undefined>;
  search(filters: TicketFilters, page: { limit: number; after?: KeysetPosition }): Promise<Page<TicketHit>>;
}

export function createTicketReads(executor: SqlExecutor): TicketReads {
  return {
    async get(id, commentLimit = 5) {
      // Asked together: one round trip's wait instead of two (statements are separate either way).
      const [[row], comments] = await Promise.all([
        selectRows(executor, TicketWithComments, {
          sql: `SELECT ${TICKET_COLUMNS}, (SELECT count(*) FROM ticket_comments c WHERE c.ticket_id = t.id) AS comment_count FROM tickets t WHERE id = :id`,
          params: { id },
        }),
        selectRows(executor, CommentRow, {
          sql: 'SELECT author, body, created_at FROM ticket_comments WHERE ticket_id = :id ORDER BY created_at DESC, id DESC LIMIT :limit',
          params: { id, limit: commentLimit },
        }),
      ]);
      if (!row) return undefined;
      const { comment_count: commentCount, ...columns } = row;
      return {
        ticket: toTicket(columns),
        commentCount,
        latestComments: comments.map(({ created_at, ...comment }) => ({ ...comment, createdAt: created_at })),
      };
    },

    async search(filters, { limit, after }) {
      // The total (all matches) and the page (after the cursor) are asked together.
      const where = ticketWhere(filters);
      const text = filters.text !== undefined;
      if (after) where.and(...afterClause(text, after));
      const [total, rows] = await Promise.all([
        countWhere(executor, 'tickets', ticketWhere(filters)),
        selectRows(executor, SearchRow, {
          sql: `SELECT ${TICKET_COLUMNS}, ${sortAt('created_at')},
                  ${text ? `${RANK}::text` : 'NULL'} AS rank,
                  ${text ? HEADLINE : 'left(description, 200)'} AS snippet
                FROM tickets ${where.sql}
                ORDER BY ${text ? `${RANK} DESC, ` : ''}created_at DESC, id DESC
                LIMIT :limit`,
          params: { ...where.params, limit: limit + 1 },
        }),
      ]);
      const hits = rows.map(({ sort_at, rank, snippet, ...columns }) => ({
        ticket: toTicket(columns),
        snippet,
        position: { at: sort_at, id: columns.id, ...(rank === null ? {} : { rank }) },
      }));
      return pageOf(hits, limit, total);
    },
  };
}

function ticketWhere(filters: TicketFilters): Where {
  return new Where()
    .when(filters.text, `search @@ ${QUERY}`, (text) => ({ text }))
    .when(filters.statuses, 'status = ANY(:statuses::text[])', (statuses) => ({ statuses: textArrayParam(statuses) }))
    .when(filters.priorities, 'priority = ANY(:priorities::text[])', (priorities) => ({ priorities: textArrayParam(priorities) }))
    .when(filters.assignee, 'assignee = :assignee', (assignee) => ({ assignee }))
    .when(filters.team, 'team = :team', (team) => ({ team }))
    .when(filters.requester, 'requester = :requester', (requester) => ({ requester }))
    .when(filters.createdAfter, `created_at >= ${utcParam('created_after')}`, (date) => ({ created_after: date }))
    .when(filters.createdBefore, `created_at < ${utcParam('created_before')}`, (date) => ({ created_before: date }));
}

function afterClause(text: boolean, after: KeysetPosition): [string, Record<string, SqlParam>] {
  const params = { after_at: after.at, after_id: after.id };
  if (!text) return [`(created_at, id) < (${utcParam('after_at')}, :after_id)`, params];
  return [`(${RANK}, created_at, id) < (:after_rank::numeric, ${utcParam('after_at')}, :after_id)`, { ...params, after_rank: after.rank ?? '0' }];
}
