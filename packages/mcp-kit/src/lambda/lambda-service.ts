import { z } from 'zod';
import { createJwksKeyResolver, type KeyResolver } from '../auth/jwks-key-resolver';
import { parseEnv, ServiceEnvSchema, type ServiceEnv } from '../config/env';
import { buildServiceConfig, JWKS_VARIABLES, jwksSettingsOf } from '../config/service-config';
import { ConfigError } from '../errors/errors';
import { createGovernanceAdapters, type GovernanceAdapters } from '../service/governance-adapters';
import { createLogger } from '../logging/logger';
import { createService, type McpService } from '../service/create-service';
import type { ServiceDefinition } from '../service/service-definition';

/** What a cold start reads ahead from the kit's own variables, while the app prepares. */
export interface ReadAhead {
  readonly governance: GovernanceAdapters;
  readonly keys: KeyResolver;
  /** The allowlist and the issuer's signing keys, being read. */
  readonly ready: Promise<unknown>;
}

const KitEnv = ServiceEnvSchema.extend({ PORT: z.coerce.number().int().min(0).max(65535).default(0) });
const JwksEnv = ServiceEnvSchema.pick(Object.fromEntries(JWKS_VARIABLES.map((variable) => [variable, true])) as { [K in (typeof JWKS_VARIABLES)[number]]: true });

/**
 * Starts fetching the issuer's signing keys from the auth variables alone (none is a secret),
 * so that the fetch overlaps the cold start's SSM read instead of following it. Undefined when
 * they do not parse: the full parse reports them.
 */
export function fetchKeysEarly(source: Record<string, string | undefined>): KeyResolver | undefined {
  let env: z.output<typeof JwksEnv>;
  try {
    env = parseEnv(JwksEnv, source);
  } catch {
    return undefined;
  }
  const keys = createJwksKeyResolver(jwksSettingsOf(env));
  void keys.prefetch();
  return keys;
}

/**
 * Starts reading the allowlist and the issuer's signing keys from the kit's variables, so
 * that these reads overlap the app's own preparation (its database check, its index);
 * `parameters` holds the governance parameters the start already read with its secrets, and
 * `keysFetched` the key resolver {@link fetchKeysEarly} started (the same variables give the same keys).
 * Undefined when the variables do not parse: the app's own parse then reports them.
 */
export function readAhead(serverName: string, source: Record<string, string | undefined>, parameters: ReadonlyMap<string, string> = new Map(), keysFetched?: KeyResolver): ReadAhead | undefined {
  let env: ServiceEnv;
  try {
    env = parseEnv(KitEnv, source);
  } catch {
    return undefined;
  }
  if (!env.PUBLIC_URL) return undefined;
  const governance = createGovernanceAdapters(env, serverName, createLogger(serverName, env.LOG_LEVEL), parameters);
  const keys = keysFetched ?? createJwksKeyResolver(jwksSettingsOf(env));
  return { governance, keys, ready: Promise.all([governance.policy.current(), keys.prefetch()]) };
}

/**
 * The same service `startService` runs, without a listening socket: API Gateway calls
 * the function. PUBLIC_URL is required, because the resource identifier, the default
 * audience and the accepted Host come from it. The governance policy is read before the
 * service answers, so that an unreadable source is reported by the cold start (and denies
 * all), together with the issuer's signing keys and the call policies that the first request needs.
 */
export async function createLambdaService<Deps>(env: ServiceEnv, definition: ServiceDefinition<Deps>, ahead?: ReadAhead): Promise<McpService> {
  if (!env.PUBLIC_URL) throw new ConfigError('Invalid configuration: PUBLIC_URL is required on Lambda (the API URL clients use)', ['PUBLIC_URL']);
  const logger = definition.logger ?? createLogger(definition.name, env.LOG_LEVEL);
  const governance = ahead?.governance ?? createGovernanceAdapters(env, definition.name, logger);
  const service = createService(buildServiceConfig(env), { ...definition, logger }, governance, ahead?.keys);
  // The call policies are read (from what the start read ahead) and compiled now, not on the first call.
  await Promise.all([ahead ? ahead.ready : Promise.all([governance.policy.current(), service.warmUp()]), service.callPolicies?.current()]);
  return service;
}
