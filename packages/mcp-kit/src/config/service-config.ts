import type { AsymmetricAlgorithm, ServiceEnv } from './env';
import type { LogLevel } from '../logging/logger';
import { isLoopbackHost, LOOPBACK_HOSTS } from './loopback';
import { ConfigError } from '../errors/errors';

/** The authorization façade's settings (see AUTH_FACADE_* in env.ts). */
export interface FacadeSettings {
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly revocationEndpoint?: string;
  readonly clientId: string;
  readonly redirectUris: readonly string[];
  readonly resourceParameter: 'forward' | 'omit';
}

/** A service's settled configuration, with every URL resolved. */
export interface ServiceConfig {
  readonly host: string;
  readonly port: number;
  readonly publicUrl: string;
  /** The MCP endpoint, which is also this server's OAuth protected-resource identifier. */
  readonly resourceUrl: string;
  readonly auth: {
    readonly issuer: string;
    readonly audience: string;
    readonly jwksUrl: string;
    readonly algorithms: readonly AsymmetricAlgorithm[];
    readonly clockSkewSeconds: number;
    readonly jwksCooldownMs: number;
    readonly jwksCacheMaxAgeMs: number;
    readonly audienceClaim: 'aud' | 'client_id';
    readonly scopePrefix: string;
    /** The token claim listing the caller's groups (call policies read `principal.groups`). */
    readonly groupsClaim: string;
    /** Set when the server fronts its identity provider with the authorization façade. */
    readonly facade?: FacadeSettings;
  };
  readonly allowedOrigins: readonly string[];
  /** Host header values accepted (lowercase host names, no port). */
  readonly allowedHosts: readonly string[];
  readonly trustProxy: number | string | false;
  readonly maxBodyBytes: number;
  readonly logLevel: LogLevel;
  /** Requests must carry one of them in `x-gmcp-edge-secret` (set when a CDN and WAF front the service). */
  readonly edgeSecrets?: readonly string[];
}

export const MCP_PATH = '/mcp';


/** Where the issuer's signing keys are and how they are cached. */
export type JwksSettings = Pick<ServiceConfig['auth'], 'jwksUrl' | 'algorithms' | 'jwksCooldownMs' | 'jwksCacheMaxAgeMs'>;

/** The variables {@link jwksSettingsOf} reads: none is a secret, so a cold start can fetch the keys before it reads its secrets. */
export const JWKS_VARIABLES = ['AUTH_ISSUER', 'AUTH_JWKS_URL', 'AUTH_ALGORITHMS', 'AUTH_JWKS_COOLDOWN_SECONDS', 'AUTH_JWKS_CACHE_SECONDS'] as const;

export function jwksSettingsOf(env: Pick<ServiceEnv, (typeof JWKS_VARIABLES)[number]>): JwksSettings {
  return {
    jwksUrl: env.AUTH_JWKS_URL ?? `${trimSlash(env.AUTH_ISSUER)}/.well-known/jwks.json`,
    algorithms: env.AUTH_ALGORITHMS,
    jwksCooldownMs: env.AUTH_JWKS_COOLDOWN_SECONDS * 1000,
    jwksCacheMaxAgeMs: env.AUTH_JWKS_CACHE_SECONDS * 1000,
  };
}

/**
 * Resolves URLs that depend on the port. `port` is the one actually bound, which
 * differs from `env.PORT` when that is 0 (an ephemeral port, as in tests).
 */
export function buildServiceConfig(env: ServiceEnv, port: number = env.PORT): ServiceConfig {
  const publicUrl = trimSlash(env.PUBLIC_URL ?? `http://${urlHost(env.HOST)}:${port}`);
  const resourceUrl = `${publicUrl}${MCP_PATH}`;
  // The issuer is compared to the `iss` claim exactly, so it is kept as configured.
  const issuer = env.AUTH_ISSUER;
  return {
    host: env.HOST,
    port,
    publicUrl,
    resourceUrl,
    auth: {
      issuer,
      audience: env.AUTH_AUDIENCE ?? resourceUrl,
      ...jwksSettingsOf(env),
      clockSkewSeconds: env.AUTH_CLOCK_SKEW_SECONDS,
      audienceClaim: env.AUTH_AUDIENCE_CLAIM,
      scopePrefix: env.AUTH_SCOPE_PREFIX,
      groupsClaim: env.AUTH_GROUPS_CLAIM,
      ...facadeOf(env),
    },
    allowedOrigins: env.ALLOWED_ORIGINS.map((origin) => new URL(origin).origin),
    allowedHosts: [...new Set([new URL(publicUrl).hostname, ...env.ALLOWED_HOSTS, ...(isLoopbackHost(env.HOST) ? LOOPBACK_HOSTS : [])])].map(
      (host) => host.toLowerCase(),
    ),
    trustProxy: env.TRUST_PROXY ?? false,
    maxBodyBytes: env.MAX_BODY_BYTES,
    logLevel: env.LOG_LEVEL,
    edgeSecrets: env.EDGE_SECRET,
  };
}

const FACADE_REQUIRED = ['AUTH_FACADE_AUTHORIZATION_ENDPOINT', 'AUTH_FACADE_TOKEN_ENDPOINT', 'AUTH_FACADE_CLIENT_ID', 'AUTH_FACADE_REDIRECT_URIS'] as const;

function facadeOf(env: ServiceEnv): { facade?: FacadeSettings } {
  const missing = FACADE_REQUIRED.filter((name) => env[name] === undefined);
  if (missing.length === FACADE_REQUIRED.length) return {};
  if (missing.length > 0) throw new ConfigError(`Invalid configuration: the authorization façade also needs ${missing.join(', ')}`, missing);
  return {
    facade: {
      authorizationEndpoint: env.AUTH_FACADE_AUTHORIZATION_ENDPOINT!,
      tokenEndpoint: env.AUTH_FACADE_TOKEN_ENDPOINT!,
      clientId: env.AUTH_FACADE_CLIENT_ID!,
      redirectUris: env.AUTH_FACADE_REDIRECT_URIS!,
      resourceParameter: env.AUTH_FACADE_RESOURCE_PARAMETER,
      ...(env.AUTH_FACADE_REVOCATION_ENDPOINT ? { revocationEndpoint: env.AUTH_FACADE_REVOCATION_ENDPOINT } : {}),
    },
  };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
