import type { IncidentSeverity, IncidentStatus, ServiceId, Team, TicketPriority, TicketResolution, TicketStatus, TimelineKind } from './seed-catalog';

/** The records the seed generators produce, one type per table (seed-data.ts assembles them). */
export interface SeedTicket {
  id: string;
  title: string;
  description: string;
  status: TicketStatus;
  resolution: TicketResolution | null;
  priority: TicketPriority;
  requester: string;
  assignee: string | null;
  team: Team;
  labels: string[];
  created_at: Date;
  updated_at: Date;
}

export interface SeedComment {
  ticket_id: string;
  author: string;
  body: string;
  created_at: Date;
}

export interface SeedIncident {
  id: string;
  title: string;
  summary: string;
  severity: IncidentSeverity;
  status: IncidentStatus;
  commander: string;
  services: ServiceId[];
  started_at: Date;
  mitigated_at: Date | null;
  resolved_at: Date | null;
  updated_at: Date;
}

/** `{ from, to }` for `status_change` and `severity_change` entries; `{}` for the others. */
export type TimelineDetails = { from: string; to: string } | Record<string, never>;

export interface SeedTimelineEntry {
  incident_id: string;
  at: Date;
  author: string;
  kind: TimelineKind;
  body: string;
  details: TimelineDetails;
}

export interface SeedData {
  tickets: SeedTicket[];
  comments: SeedComment[];
  incidents: SeedIncident[];
  timeline: SeedTimelineEntry[];
}
