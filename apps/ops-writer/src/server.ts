import { defineServer } from '@gmcp/mcp-kit';
import { createIncidentReads, createIncidentWrites, createTicketReads, createTicketWrites, openOpsDatabase } from '@gmcp/ops-data';
import { OpsWriterEnv } from './config';
import { writerErrorFor } from './errors';
import { opsWriterTools } from './tools';

/** The tickets and incidents writer, as config/servers.json registers it: its local start and Lambda entries derive from this. */
export const opsWriterServer = defineServer({
  name: 'ops-writer',
  version: '0.1.0',
  instructions:
    'Changes to IT tickets and operational incidents. Low-risk changes run at once; pass an idempotency_key so a retry changes nothing twice. ' +
    'High-risk changes (close_ticket_as_wont_fix, change_incident_severity, resolve_incident) return pending_approval with an approval_id: ' +
    'a human approver decides, then the change runs; follow it with get_request_status. To read tickets and incidents, use the ops reader.',
  access: 'write',
  env: OpsWriterEnv,
  tools: opsWriterTools,
  async deps(env, { logger, onClose }) {
    // The write role: it may also SELECT, which the high-risk tools' prechecks use.
    const database = await openOpsDatabase(env, 'writer', logger);
    onClose(() => database.close());
    return {
      tickets: createTicketWrites(database.executor),
      incidents: createIncidentWrites(database.executor),
      reads: { tickets: createTicketReads(database.executor), incidents: createIncidentReads(database.executor) },
    };
  },
  mapError: writerErrorFor,
});
