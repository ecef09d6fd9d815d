import { createLogger, defineServer, type PreparedService, type RunningService, type ServiceDefinition } from '@gmcp/mcp-kit';
import { createIncidentReads, createIncidentWrites, createTicketReads, createTicketWrites, openOpsDatabase } from '@gmcp/ops-data';
import { parseOpsWriterEnv } from './config';
import type { OpsWriterDeps } from './deps';
import { opsWriterTools } from './tools';

export const OPS_WRITER_NAME = 'ops-writer';
export const OPS_WRITER_VERSION = '0.1.0';

export { opsWriterTools };

export function opsWriterDefinition(deps: OpsWriterDeps): ServiceDefinition<OpsWriterDeps> {
  return {
    name: OPS_WRITER_NAME,
    version: OPS_WRITER_VERSION,
    instructions:
      'Changes to IT tickets and operational incidents. Low-risk changes run at once; pass an idempotency_key so a retry changes nothing twice. ' +
      'High-risk changes (close_ticket_as_wont_fix, change_incident_severity, resolve_incident) return pending_approval with an approval_id: ' +
      'a human approver decides, then the change runs; follow it with get_request_status. To read tickets and incidents, use the ops reader.',
    access: 'write',
    tools: opsWriterTools,
    deps,
  };
}

/** The writer on the configuration in `envSource`, with its database opened as the write role (local start and Lambda). */
export async function prepareOpsWriter(envSource: Record<string, string | undefined>): Promise<PreparedService<OpsWriterDeps>> {
  const env = parseOpsWriterEnv(envSource);
  const logger = createLogger(OPS_WRITER_NAME, env.LOG_LEVEL);
  const database = await openOpsDatabase(env, 'writer', logger);
  const definition = opsWriterDefinition({
    tickets: createTicketWrites(database.executor),
    incidents: createIncidentWrites(database.executor),
    reads: { tickets: createTicketReads(database.executor), incidents: createIncidentReads(database.executor) },
  });
  return { env, definition: { ...definition, logger }, close: () => database.close() };
}

/** The writer as the platform registers it (config/servers.json). */
export const opsWriterServer = defineServer({ name: OPS_WRITER_NAME, access: 'write', tools: opsWriterTools, parseEnv: parseOpsWriterEnv, prepare: prepareOpsWriter });

/** Starts the writer on the configuration in `envSource` (process.env by default). */
export function startOpsWriter(envSource: Record<string, string | undefined> = process.env): Promise<RunningService> {
  return opsWriterServer.start(envSource);
}
