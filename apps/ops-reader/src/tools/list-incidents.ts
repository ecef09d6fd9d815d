import { z } from 'zod';
import { INCIDENT_STATUSES, IncidentSeverity, IncidentStatus, OPEN_INCIDENT_STATUSES, ServiceName, type Incident } from '@gmcp/ops-data';
import { tool } from '../deps';
import { anyOf, CursorInput, DateInput, INCIDENT_TOOL_GOVERNANCE, iso, isoOrNull, keysetCursor, pageSize } from './common';

const StatusFilter = z.enum([...INCIDENT_STATUSES, 'open']);

export const IncidentSummary = z.object({
  incident_id: z.string(),
  title: z.string(),
  severity: IncidentSeverity,
  status: IncidentStatus,
  commander: z.string(),
  services: z.array(z.string()),
  started_at: z.string(),
  mitigated_at: z.string().nullable(),
  resolved_at: z.string().nullable(),
});

export function incidentSummaryOf(incident: Incident): z.input<typeof IncidentSummary> {
  return {
    incident_id: incident.id,
    title: incident.title,
    severity: incident.severity,
    status: incident.status,
    commander: incident.commander,
    services: incident.services,
    started_at: iso(incident.startedAt),
    mitigated_at: isoOrNull(incident.mitigatedAt),
    resolved_at: isoOrNull(incident.resolvedAt),
  };
}

export const listIncidents = tool({
  name: 'list_incidents',
  title: 'List incidents',
  description:
    'Incidents, newest first, filtered by status, severity, affected service and start time. Status "open" means not yet resolved ' +
    '(investigating, identified or mitigated). For "which SEV1/SEV2 incidents are open on payments": status ["open"], severity ["SEV1","SEV2"], service "payments". ' +
    'Use get_incident for the timeline of one incident.',
  ...INCIDENT_TOOL_GOVERNANCE,
  input: z.object({
    status: anyOf(StatusFilter, 5).describe('any of these statuses; "open" = investigating, identified or mitigated'),
    severity: anyOf(IncidentSeverity, 4).describe('any of these severities'),
    service: ServiceName.optional().describe('an affected service, e.g. payments or login'),
    since: DateInput.optional().describe('only incidents that started at or after this time'),
    limit: pageSize(50, 10),
    cursor: CursorInput,
  }),
  output: z.object({
    incidents: z.array(IncidentSummary),
    total: z.number().int().describe('matching incidents in all pages'),
    next_cursor: z.string().nullable(),
  }),
  handler: async ({ status, severity, service, since, limit, cursor }, ctx) => {
    const filters = { statuses: expandOpen(status), severities: severity, service, since };
    const request = ['list_incidents', filters, limit];
    const page = await ctx.deps.incidents.list(filters, { limit, after: keysetCursor.decode(cursor, request, ctx) });
    return {
      incidents: page.items.map(({ incident }) => incidentSummaryOf(incident)),
      total: page.total,
      next_cursor: page.next ? keysetCursor.encode(page.next, request, ctx) : null,
    };
  },
  render: ({ incidents, total, next_cursor }) =>
    [
      ...incidents.map((incident) => `- ${incident.incident_id} [${incident.severity}, ${incident.status}] ${incident.title} (${incident.services.join(', ')}; started ${incident.started_at})`),
      `(${incidents.length} of ${total} matching incidents${next_cursor ? '; more with next_cursor' : ''})`,
    ].join('\n'),
});

function expandOpen(statuses: z.output<typeof StatusFilter>[] | undefined): string[] | undefined {
  if (!statuses) return undefined;
  return [...new Set(statuses.flatMap((status) => (status === 'open' ? [...OPEN_INCIDENT_STATUSES] : [status])))].sort();
}
