import type { ServiceEnv } from '../config/env';
import { buildServiceConfig } from '../config/service-config';
import { ConfigError } from '../errors';
import { createGovernanceAdapters } from '../governance/create-governance';
import { createLogger } from '../logging/logger';
import { createService, type McpService, type ServiceDefinition } from '../service/create-service';

/**
 * The same service `startService` runs, without a listening socket: API Gateway calls
 * the function. PUBLIC_URL is required, because the resource identifier, the default
 * audience and the accepted Host come from it. The governance policy is read now, so
 * that an unreadable source is reported by the cold start (and denies all), together
 * with the issuer's signing keys that the first request needs.
 */
export async function createLambdaService<Deps>(env: ServiceEnv, definition: ServiceDefinition<Deps>): Promise<McpService> {
  if (!env.PUBLIC_URL) throw new ConfigError('Invalid configuration: PUBLIC_URL is required on Lambda (the API URL clients use)', ['PUBLIC_URL']);
  const logger = definition.logger ?? createLogger(definition.name, env.LOG_LEVEL);
  const governance = createGovernanceAdapters(env, definition.name, logger);
  const service = createService(buildServiceConfig(env), { ...definition, logger }, governance);
  await Promise.all([governance.policy.current(), service.warmUp()]);
  return service;
}
