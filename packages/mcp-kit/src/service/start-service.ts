import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceEnv } from '../config/env';
import { buildServiceConfig, type ServiceConfig } from '../config/service-config';
import { createService } from './create-service';
import type { ServiceDefinition } from './service-definition';
import { createLogger } from '../logging/logger';
import { createGovernanceAdapters, type GovernanceAdapters } from './governance-adapters';

export interface RunningService {
  readonly name: string;
  readonly config: ServiceConfig;
  /** The MCP endpoint URL. */
  readonly url: string;
  readonly governance: GovernanceAdapters;
  stop(): Promise<void>;
}

/**
 * Binds first, then builds the app, so that URLs derived from the port (resource
 * identifier, default audience) are right even on an ephemeral port.
 */
export async function startService<Deps>(
  env: ServiceEnv,
  definition: ServiceDefinition<Deps>,
  governance?: GovernanceAdapters,
): Promise<RunningService> {
  const logger = definition.logger ?? createLogger(definition.name, env.LOG_LEVEL);
  const adapters = governance ?? createGovernanceAdapters(env, definition.name, logger);
  // Read the governance policy now, so that an unreadable source is reported at start (and denies all).
  await adapters.policy.current();
  const server = createServer();
  await listen(server, env.PORT, env.HOST);
  const config = buildServiceConfig(env, (server.address() as AddressInfo).port);
  let service: ReturnType<typeof createService<Deps>>;
  try {
    service = createService(config, { ...definition, logger }, adapters);
  } catch (error) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  }
  // Call policies that do not parse or validate stop the server here, naming file, line and message.
  await service.callPolicies?.check().catch(async (error: unknown) => {
    await service.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  });
  server.on('request', service.app);
  service.logger.info('service listening', { url: config.resourceUrl, audience: config.auth.audience });

  return {
    name: definition.name,
    config,
    url: config.resourceUrl,
    governance: adapters,
    stop: async () => {
      await service.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * What an app prepares from its environment, shared by its local start and its Lambda
 * entries: the parsed variables, the service definition, and what to close when it stops.
 */
export interface PreparedService<Deps> {
  readonly env: ServiceEnv;
  readonly definition: ServiceDefinition<Deps>;
  close(): Promise<void>;
}

/** Starts a prepared service on its port; stopping it (or a failed start) closes what it prepared. */
export function startPrepared<Deps>(prepared: PreparedService<Deps>): Promise<RunningService> {
  return startServiceOwning(prepared.env, prepared, () => prepared.definition);
}

/**
 * Starts a service that owns a resource (a database connection): stopping the service
 * closes it, and so does a failed start.
 */
export async function startServiceOwning<Deps>(
  env: ServiceEnv,
  resource: { close(): Promise<void> },
  definition: () => ServiceDefinition<Deps>,
): Promise<RunningService> {
  try {
    const running = await startService(env, definition());
    return {
      ...running,
      stop: async () => {
        await running.stop();
        await resource.close();
      },
    };
  } catch (error) {
    await resource.close();
    throw error;
  }
}
