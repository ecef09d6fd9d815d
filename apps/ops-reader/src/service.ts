import { createLogger, defineServer, type PreparedService, type RunningService, type ServiceDefinition } from '@gmcp/mcp-kit';
import { createIncidentReads, createTicketReads } from '@gmcp/ops-data';
import { parseOpsReaderEnv } from './config';
import { openReaderDatabase } from './database';
import type { OpsReaderDeps } from './deps';
import { opsReaderTools } from './tools';

export const OPS_READER_NAME = 'ops-reader';
export const OPS_READER_VERSION = '0.1.0';

export { opsReaderTools };

export function opsReaderDefinition(deps: OpsReaderDeps): ServiceDefinition<OpsReaderDeps> {
  return {
    name: OPS_READER_NAME,
    version: OPS_READER_VERSION,
    instructions:
      'Read-only access to IT tickets and operational incidents. Look up one ticket with get_ticket_status, find tickets with search_tickets, ' +
      'browse incidents newest first with list_incidents and read one with its timeline with get_incident. Nothing here can change a ticket or an incident.',
    access: 'read',
    tools: opsReaderTools,
    deps,
  };
}

/** The reader on the configuration in `envSource`, with its read-only database opened (local start and Lambda). */
export async function prepareOpsReader(envSource: Record<string, string | undefined>): Promise<PreparedService<OpsReaderDeps>> {
  const env = parseOpsReaderEnv(envSource);
  const logger = createLogger(OPS_READER_NAME, env.LOG_LEVEL);
  const database = await openReaderDatabase(env, logger);
  const definition = opsReaderDefinition({ tickets: createTicketReads(database.executor), incidents: createIncidentReads(database.executor) });
  return { env, definition: { ...definition, logger }, close: () => database.close() };
}

/** The reader as the platform registers it (config/servers.json). */
export const opsReaderServer = defineServer({ name: OPS_READER_NAME, access: 'read', tools: opsReaderTools, parseEnv: parseOpsReaderEnv, prepare: prepareOpsReader });

/** Starts the reader on the configuration in `envSource` (process.env by default). */
export function startOpsReader(envSource: Record<string, string | undefined> = process.env): Promise<RunningService> {
  return opsReaderServer.start(envSource);
}
