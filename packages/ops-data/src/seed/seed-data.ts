/**
 * Deterministic seed data for the tickets and incidents schema. The random streams are
 * fixed, so the records are always the same; only their timestamps move with `now`
 * (everything lies in the 180 days before it). Ids follow creation time, except that
 * INC-2031 is pinned to the newest SEV1 incident, which is still open.
 *
 * Anchors tests and examples rely on (`SEED_ANCHORS`):
 * - TCK-1042: an `in_progress` P2 ticket for team `network` about VPN disconnects, with
 *   an assignee and five comments.
 * - INC-2031: an open (`identified`) SEV1 incident on `payments` and `checkout`.
 * - INC-2047: an open (`investigating`) SEV2 incident on `payments`.
 * - INC-2042: the most recent incident on `login`; resolved, with 8+ timeline entries.
 *   Every open incident started after it, and at least three older ones involve `login`.
 * - Tickets TCK-1000…TCK-1239 and incidents INC-2000…INC-2047, contiguous.
 *
 * Timeline conventions: the first entry is `detected`; `status_change` marks the move
 * to `identified` and `severity_change` an escalation, both with `{ from, to }` details;
 * the `mitigated` and `resolved` entries mark those statuses (and set `mitigated_at` and
 * `resolved_at`), with `{}` details like every other kind.
 */
import type { IncidentSeverity, IncidentStatus, ServiceId, Team, TicketPriority, TicketResolution, TicketStatus, TimelineKind } from './seed-catalog';
import { generateIncidents } from './incident-seed';
import { generateTickets } from './ticket-seed';

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

export const SEED_ANCHORS = {
  firstTicketId: 'TCK-1000',
  lastTicketId: 'TCK-1239',
  firstIncidentId: 'INC-2000',
  lastIncidentId: 'INC-2047',
  vpnTicketId: 'TCK-1042',
  openSev1PaymentsIncidentId: 'INC-2031',
  openSev2PaymentsIncidentId: 'INC-2047',
  latestLoginIncidentId: 'INC-2042',
} as const;

export function generateSeedData(options: { now: Date }): SeedData {
  const { tickets, comments } = generateTickets(options.now);
  const { incidents, timeline } = generateIncidents(options.now);
  return { tickets, comments, incidents, timeline };
}
