import { z } from 'zod';
import { IncidentId, TimelineKind, type IncidentDetail } from '@gmcp/ops-data';
import { tool } from '../deps';
import { INCIDENT_TOOL_GOVERNANCE, iso } from './common';
import { IncidentSummary, incidentSummaryOf } from './list-incidents';

const TIMELINE_LIMIT = 200;

const TimelineEntryView = z.object({
  at: z.string(),
  author: z.string(),
  kind: TimelineKind,
  body: z.string(),
  details: z.record(z.string(), z.unknown()).describe('structured facts, e.g. {from, to} of a status or severity change'),
});

const IncidentView = IncidentSummary.extend({
  summary: z.string(),
  updated_at: z.string(),
  timeline: z.array(TimelineEntryView).describe('oldest first'),
  timeline_total: z.number().int(),
  timeline_truncated: z.boolean().describe(`true when the incident has more than ${TIMELINE_LIMIT} entries; the first ones are shown`),
});

export const getIncident = tool({
  name: 'get_incident',
  title: 'Incident with timeline',
  description:
    'One incident in full: severity, status, commander, affected services, start/mitigation/resolution times, summary and its timeline ' +
    '(detection, updates, actions, status and severity changes). Use it for "what happened in INC-2031". An unknown id gives found=false.',
  ...INCIDENT_TOOL_GOVERNANCE,
  input: z.object({ incident_id: IncidentId }),
  output: z.object({
    found: z.boolean(),
    incident: IncidentView.nullable(),
    message: z.string().nullable().describe('why nothing was found'),
  }),
  handler: async ({ incident_id }, ctx) => {
    const detail = await ctx.deps.incidents.get(incident_id, TIMELINE_LIMIT);
    if (!detail) return { found: false, incident: null, message: `No incident ${incident_id}. Use list_incidents to browse incidents.` };
    return { found: true, incident: incidentView(detail), message: null };
  },
  render: ({ incident, message }) =>
    incident
      ? [
          `${incident.incident_id} [${incident.severity}, ${incident.status}] ${incident.title}`,
          `Services: ${incident.services.join(', ')}; commander ${incident.commander}; started ${incident.started_at}` +
            `${incident.mitigated_at ? `, mitigated ${incident.mitigated_at}` : ''}${incident.resolved_at ? `, resolved ${incident.resolved_at}` : ''}`,
          incident.summary,
          'Timeline:',
          ...incident.timeline.map((entry) => `- ${entry.at} ${entry.kind} (${entry.author}): ${entry.body}`),
          incident.timeline_truncated ? `(first ${incident.timeline.length} of ${incident.timeline_total} entries)` : '',
        ]
          .filter(Boolean)
          .join('\n')
      : (message ?? ''),
});

function incidentView({ incident, timeline, timelineTotal }: IncidentDetail): z.input<typeof IncidentView> {
  return {
    ...incidentSummaryOf(incident),
    summary: incident.summary,
    updated_at: iso(incident.updatedAt),
    timeline: timeline.map((entry) => ({ ...entry, at: iso(entry.at) })),
    timeline_total: timelineTotal,
    timeline_truncated: timelineTotal > timeline.length,
  };
}
