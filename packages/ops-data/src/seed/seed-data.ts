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
import { generateIncidents } from './incident-seed';
import { generateTickets } from './ticket-seed';
import type { SeedData } from './seed-records';

export type { SeedComment, SeedData, SeedIncident, SeedTicket, SeedTimelineEntry, TimelineDetails } from './seed-records';

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
