import { defineServer } from '@gmcp/mcp-kit';
import { createIncidentReads, createTicketReads } from '@gmcp/ops-data';
import { OpsReaderEnv } from './config';
import { openReaderDatabase } from './database';
import { readerErrorFor } from './errors';
import { opsReaderTools } from './tools';

/** The tickets and incidents reader, as config/servers.json registers it: its local start and Lambda entry derive from this. */
export const opsReaderServer = defineServer({
  name: 'ops-reader',
  version: '0.1.0',
  instructions:
    'Read-only access to IT tickets and operational incidents. Look up one ticket with get_ticket_status, find tickets with search_tickets, ' +
    'browse incidents newest first with list_incidents and read one with its timeline with get_incident. Nothing here can change a ticket or an incident.',
  access: 'read',
  env: OpsReaderEnv,
  tools: opsReaderTools,
  async deps(env, { logger, onClose }) {
    const database = await openReaderDatabase(env, logger);
    onClose(() => database.close());
    return { tickets: createTicketReads(database.executor), incidents: createIncidentReads(database.executor) };
  },
  mapError: readerErrorFor,
});
