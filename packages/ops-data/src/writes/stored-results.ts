import { z } from 'zod';
import { timestampColumn } from '../sql/codecs';
import type { Incident } from '../model/incidents';
import type { Ticket, TicketComment } from '../model/tickets';
import { IncidentColumns, TimelineRow } from '../reads/incident-reads';
import { TicketColumns } from '../reads/ticket-reads';

/**
 * Schemas that decode a write's result as `write_requests` stored it (JSON: times as ISO
 * text) back into the values the first call returned, for idempotent retries.
 */

export const StoredTicket: z.ZodType<Ticket> = TicketColumns.omit({ created_at: true, updated_at: true }).extend({ createdAt: timestampColumn, updatedAt: timestampColumn });

export const StoredTicketComment: z.ZodType<TicketComment> = z.object({ author: z.string(), body: z.string(), createdAt: timestampColumn });

export const StoredIncident: z.ZodType<Incident> = IncidentColumns.omit({ started_at: true, mitigated_at: true, resolved_at: true, updated_at: true }).extend({
  startedAt: timestampColumn,
  mitigatedAt: timestampColumn.nullable(),
  resolvedAt: timestampColumn.nullable(),
  updatedAt: timestampColumn,
});

/** A timeline entry has the same names as its row. */
export const StoredTimelineEntry = TimelineRow;
