import { z } from 'zod';
import { ticketRecord, type Incident, type Ticket, type TimelineEntry } from '@gmcp/ops-data';

export const TICKET_WRITE_GOVERNANCE = { owner: 'service-desk', scope: 'tickets:write', access: 'write', classification: 'internal' } as const;
export const INCIDENT_WRITE_GOVERNANCE = { owner: 'sre', scope: 'incidents:write', access: 'write', classification: 'internal' } as const;

export const IdempotencyKey = z
  .string()
  .trim()
  .min(8)
  .max(200)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits, . _ : - only')
  .optional()
  .describe('any unique string (e.g. a UUID); repeating a call with the same key and arguments returns the first result and changes nothing');

export const Reason = z.string().trim().min(5).max(2000);

export const TicketView = z.object({
  ticket_id: z.string(),
  title: z.string(),
  status: z.string(),
  resolution: z.string().nullable(),
  priority: z.string(),
  assignee: z.string().nullable(),
  team: z.string(),
  requester: z.string(),
  labels: z.array(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
});

export const ticketView = (ticket: Ticket): z.input<typeof TicketView> => ticketRecord(ticket);

export const TimelineEntryView = z.object({ at: z.string(), author: z.string(), kind: z.string(), body: z.string(), details: z.record(z.string(), z.unknown()) });

export function timelineEntryView(entry: TimelineEntry): z.input<typeof TimelineEntryView> {
  return { ...entry, at: entry.at.toISOString() };
}

export const IncidentChangeView = z.object({
  incident_id: z.string(),
  severity: z.string(),
  status: z.string(),
  resolved_at: z.string().nullable(),
  entry: TimelineEntryView,
});

export function incidentChangeView(incident: Incident, entry: TimelineEntry): z.input<typeof IncidentChangeView> {
  return { incident_id: incident.id, severity: incident.severity, status: incident.status, resolved_at: incident.resolvedAt?.toISOString() ?? null, entry: timelineEntryView(entry) };
}
