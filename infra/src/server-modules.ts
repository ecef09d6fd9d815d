import type { ServerModule } from '@gmcp/mcp-kit/platform';
import { opsReaderServer } from '@gmcp/ops-reader';
import { opsWriterServer } from '@gmcp/ops-writer';
import { policyReaderServer } from '@gmcp/policy-reader';
import { SERVER_NAMES, SERVERS, type ServerName } from './servers';

/**
 * The code of each server in config/servers.json (its package's `defineServer` export).
 * Typed by the registry: a server registered without its module does not type-check.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each server has its own adapters
export const SERVER_MODULES: Record<ServerName, ServerModule<any>> = {
  'policy-reader': policyReaderServer,
  'ops-reader': opsReaderServer,
  'ops-writer': opsWriterServer,
};

for (const name of SERVER_NAMES) {
  const server = SERVER_MODULES[name];
  if (server.name !== name || server.access !== SERVERS[name].access) {
    throw new Error(`config/servers.json registers ${name} (${SERVERS[name].access}), but its module is ${server.name} (${server.access})`);
  }
}
