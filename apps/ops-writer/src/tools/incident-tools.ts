import { z } from 'zod';
import { NotFoundError, ToolError, type ToolContext } from '@gmcp/mcp-kit';
import { IncidentId, IncidentSeverity } from '@gmcp/ops-data';
import { tool, type OpsWriterDeps } from '../deps';
import { IdempotencyKey, INCIDENT_WRITE_GOVERNANCE, IncidentChangeView, incidentChangeView, Reason, TimelineEntryView, timelineEntryView } from './common';

type Ctx = ToolContext<OpsWriterDeps>;

export const addIncidentUpdate = tool({
  name: 'add_incident_update',
  title: 'Add an incident update',
  description: 'Adds an entry to an incident\'s timeline: news ("update") or something done ("action"), by the caller.',
  ...INCIDENT_WRITE_GOVERNANCE,
  risk: 'low',
  input: z.object({ incident_id: IncidentId, body: z.string().trim().min(1).max(10_000), kind: z.enum(['update', 'action']).default('update'), idempotency_key: IdempotencyKey }),
  output: z.object({ incident_id: z.string(), entry: TimelineEntryView }),
  handler: async ({ incident_id, body, kind, idempotency_key }, ctx) => ({
    incident_id,
    entry: timelineEntryView(await ctx.deps.incidents.addUpdate({ actor: ctx.actor.subject, idempotencyKey: idempotency_key }, incident_id, { body, kind })),
  }),
  render: ({ incident_id, entry }) => `Added to ${incident_id}'s timeline at ${entry.at} (${entry.kind}, ${entry.author}): ${entry.body}`,
});

export const changeIncidentSeverity = tool({
  name: 'change_incident_severity',
  title: 'Change an incident\'s severity',
  description:
    "Raises or lowers an incident's severity (SEV1 highest) with a reason, recorded on its timeline. A change to SEV3 or SEV4 runs at once; to SEV1 or SEV2 it waits for a human approver (then follow it with get_request_status).",
  ...INCIDENT_WRITE_GOVERNANCE,
  // Raised per call by the server's call policies (approval for SEV1 and SEV2).
  risk: 'low',
  callPolicy: 'required',
  input: z.object({ incident_id: IncidentId, severity: IncidentSeverity, reason: Reason }),
  output: IncidentChangeView,
  precheck: async ({ incident_id, severity }, ctx) => {
    const incident = await existingIncident(incident_id, ctx);
    if (incident.severity === severity) throw new ToolError(`Incident ${incident_id} is already ${severity}.`);
    return [{ field: 'severity', current: incident.severity, proposed: severity }];
  },
  handler: async ({ incident_id, severity, reason }, ctx) => {
    const { incident, entry } = await ctx.deps.incidents.changeSeverity({ actor: ctx.actor.subject, idempotencyKey: ctx.approvalId }, incident_id, severity, reason);
    return incidentChangeView(incident, entry);
  },
});

export const resolveIncident = tool({
  name: 'resolve_incident',
  title: 'Resolve an incident',
  description: 'Marks an incident resolved now, with an optional final summary. High risk: it waits for a human approver, then runs; follow it with get_request_status.',
  ...INCIDENT_WRITE_GOVERNANCE,
  risk: 'high',
  input: z.object({ incident_id: IncidentId, summary: z.string().trim().min(10).max(20_000).optional() }),
  output: IncidentChangeView,
  precheck: async ({ incident_id }, ctx) => {
    const incident = await existingIncident(incident_id, ctx);
    if (incident.status === 'resolved') throw new ToolError(`Incident ${incident_id} is already resolved.`);
    return [{ field: 'status', current: incident.status, proposed: 'resolved' }];
  },
  handler: async ({ incident_id, summary }, ctx) => {
    const { incident, entry } = await ctx.deps.incidents.resolve({ actor: ctx.actor.subject, idempotencyKey: ctx.approvalId }, incident_id, summary);
    return incidentChangeView(incident, entry);
  },
});

async function existingIncident(incidentId: string, ctx: Ctx) {
  const detail = await ctx.deps.reads.incidents.get(incidentId, 0);
  if (!detail) throw new NotFoundError(`Incident ${incidentId} does not exist.`);
  return detail.incident;
}
