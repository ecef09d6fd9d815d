import { z } from 'zod';
import { textArrayColumn, timestampColumn } from '../sql/codecs';
import { IncidentSeverity, IncidentStatus, type Incident } from '../model/incidents';
import { TicketPriority, TicketResolution, TicketStatus, type Ticket, type TicketComment } from '../model/tickets';
import { TimelineRow } from '../reads/incident-reads';

/**
 * Schemas that decode a write's result as `write_requests` stored it (JSON: times as ISO
 * text) back into the values the first call returned, for idempotent retries.
 */

export const StoredTicket: z.ZodType<Ticket> = z.object({
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
  createdAt: timestampColumn,
  updatedAt: timestampColumn,
});

export const StoredTicketComment: z.ZodType<TicketComment> = z.object({ author: z.string(), body: z.string(), createdAt: timestampColumn });

export const StoredIncident: z.ZodType<Incident> = z.object({
  id: z.string(),
  title: z.string(),
  summary: z.string(),
  severity: IncidentSeverity,
  status: IncidentStatus,
  commander: z.string(),
  services: textArrayColumn,
  startedAt: timestampColumn,
  mitigatedAt: timestampColumn.nullable(),
  resolvedAt: timestampColumn.nullable(),
  updatedAt: timestampColumn,
});

/** A timeline entry has the same names as its row. */
export const StoredTimelineEntry = TimelineRow;
