import { Provider, errors, type ClientMetadata, type Configuration, type KoaContextWithOIDC, type ProviderInstance } from './oidc-provider';
import { createClientMetadataFetch, type ClientMetadataFetchPolicy } from './client-metadata-fetch';
import type { DevDirectory } from './dev-users';
import { ResourceRefused, type ResourceCatalog } from './protected-resources';
import { renderErrorPage } from './pages';
import { SIGNING_ALGORITHM, type SigningKey } from './signing-key';
import { createStateStore } from './state-store';

export interface AuthorizationServerOptions {
  issuer: string;
  key: SigningKey;
  directory: DevDirectory;
  resources: ResourceCatalog;
  /** Lifetime of access tokens (RFC 9068 JWTs, verified by the servers through the JWKS). */
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  clientMetadataFetch: ClientMetadataFetchPolicy;
  /** Keys that sign the issuer's cookies (first one signs, all verify). */
  cookieKeys: readonly string[];
  /** Where registered clients, grants and refresh tokens are kept across restarts (memory only when unset). */
  stateFile?: string;
  /** Pre-registered clients, e.g. a console with a fixed client id. */
  clients?: readonly ClientMetadata[];
}

/** Scopes of the authorization server itself; every other scope belongs to an MCP server. */
export const ISSUER_SCOPES = ['openid', 'offline_access'] as const;

export const ROUTES = {
  authorization: '/authorize',
  token: '/token',
  registration: '/register',
  revocation: '/revoke',
  userinfo: '/userinfo',
  jwks: '/.well-known/jwks.json',
} as const;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The development authorization server on oidc-provider (OpenID Certified): authorization
 * code with PKCE S256 only, client ID metadata documents and open dynamic registration,
 * RFC 8707 resource indicators naming one MCP server each (its JWT access token's `aud`),
 * refresh tokens rotated on every use (a reused one revokes its grant), revocation, and
 * the RFC 9207 `iss` in every authorization response.
 */
export function createAuthorizationServer(options: AuthorizationServerOptions): ProviderInstance {
  const configuration: Configuration = {
    adapter: createStateStore(options.stateFile),
    clients: [...(options.clients ?? [])],
    findAccount: (_ctx, id) => {
      const user = options.directory.find(id);
      return user ? { accountId: user.id, claims: () => ({ sub: user.id, name: user.name }) } : undefined;
    },
    jwks: { keys: [options.key.privateJwk as never] },
    cookies: { keys: [...options.cookieKeys] },
    features: {
      devInteractions: { enabled: false },
      // Off: the servers verify bearer tokens only, so a DPoP-bound token would be honoured unbound.
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      registration: { enabled: true, initialAccessToken: false },
      // RFC 7009 §2.1: a client revokes only the tokens issued to it.
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      userinfo: { enabled: true },
      clientIdMetadataDocument: { enabled: true, ack: 'draft-02', cacheDuration: { min: 30, max: 3600 } },
      resourceIndicators: {
        enabled: true,
        defaultResource: requireOneResource,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, indicator) => resourceServerInfo(ctx, indicator, options),
      },
    },
    fetch: createClientMetadataFetch(options.clientMetadataFetch) as Configuration['fetch'],
    fetchResponseBodyLimits: { 'client_id metadata document': options.clientMetadataFetch.maxBytes },
    extraClientMetadata: {
      // RFC 7591 fields oidc-provider does not know; their validator is its one hook that sees
      // every client's metadata before validation, where the policies below apply.
      properties: ['software_id', 'software_version'],
      validator: (ctx, key, _value, metadata) => {
        if (key !== 'software_id') return;
        applyRedirectPolicy(ctx, metadata);
        keepIssuerScopes(metadata);
      },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    responseTypes: ['code'],
    scopes: [...ISSUER_SCOPES],
    pkce: { required: () => true },
    allowOmittingSingleRegisteredRedirectUri: false,
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post'],
    clientDefaults: { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none', id_token_signed_response_alg: SIGNING_ALGORITHM },
    enabledJWA: { idTokenSigningAlgValues: [SIGNING_ALGORITHM] },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    expiresWithSession: async () => false,
    ttl: {
      AccessToken: options.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      RefreshToken: options.refreshTokenTtlSeconds,
      Grant: options.refreshTokenTtlSeconds,
      IdToken: 3600,
      Interaction: 600,
      Session: 8 * 3600,
    },
    routes: ROUTES,
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris?.some((uri) => URL.parse(uri)?.origin === origin) ?? false,
    renderError: async (ctx, out, error) => {
      ctx.type = 'html';
      ctx.body = renderErrorPage({
        error: String(out.error ?? 'server_error'),
        description: String(out.error_description ?? ''),
        detail: (error as { error_detail?: string }).error_detail,
      });
    },
  };
  const provider = new Provider(options.issuer, configuration);
  // Local mode runs on http://127.0.0.1: tell koa to trust nothing forwarded.
  provider.proxy = false;
  return provider;
}

/** RFC 8707: a token names exactly one MCP server; an authorization request must say which. */
function requireOneResource(ctx: KoaContextWithOIDC, _client: unknown, oneOf?: readonly string[]): string | readonly string[] | undefined {
  if (oneOf) return oneOf.length === 1 ? oneOf[0] : oneOf;
  if (ctx.oidc.route === 'authorization') {
    throw new errors.InvalidTarget('a resource parameter naming the MCP server (its /mcp URL) is required');
  }
  return undefined;
}

async function resourceServerInfo(ctx: KoaContextWithOIDC, indicator: string, options: AuthorizationServerOptions) {
  const server = await options.resources.lookup(indicator).catch((error: unknown) => {
    throw error instanceof ResourceRefused ? new errors.InvalidTarget(error.message) : error;
  });
  if (ctx.oidc.route === 'authorization') {
    const unknown = (ctx.oidc.params?.scope as string | undefined)?.split(' ').filter((scope) => scope && !server.scopes.includes(scope) && !(ISSUER_SCOPES as readonly string[]).includes(scope));
    if (unknown?.length) {
      throw new errors.InvalidScope(`${server.name} does not define ${unknown.join(', ')} (it defines ${server.scopes.join(', ')})`, unknown.join(' '));
    }
  }
  return {
    scope: server.scopes.join(' '),
    audience: server.resource,
    accessTokenTTL: options.accessTokenTtlSeconds,
    accessTokenFormat: 'jwt' as const,
    jwt: { sign: { alg: SIGNING_ALGORITHM } as const },
  };
}

/**
 * Redirect URIs: https, http on a loopback address only, and private-use schemes
 * (cursor://…) for native applications. A client that redirects to loopback or a private-use
 * scheme is a native application (RFC 8252) unless its registration says otherwise, which is
 * what lets its loopback port change from one run to the next (§7.3): Claude Code's metadata
 * document lists `http://localhost/callback` and signs in on any port, and says no
 * application_type (oidc-provider would take it for a web client).
 */
function applyRedirectPolicy(ctx: KoaContextWithOIDC | undefined, metadata: Record<string, unknown>): void {
  const uris = Array.isArray(metadata.redirect_uris) ? metadata.redirect_uris.filter((uri): uri is string => typeof uri === 'string') : [];
  const registering = ctx?.oidc?.route === 'registration';
  const declared = registering ? (ctx?.oidc?.body as Record<string, unknown> | undefined)?.application_type : undefined;
  if (declared === undefined && uris.some(isNativeRedirect)) metadata.application_type = 'native';
  for (const uri of uris) {
    const url = URL.parse(uri);
    if (url?.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
      throw new errors.InvalidClientMetadata(`redirect_uris: ${uri} uses http on a host that is not loopback; use https`);
    }
  }
}

/**
 * Clients may register the scopes they will ask for (the v1 SDK registers the server's).
 * Resource scopes are decided per request against the server's metadata and the user's
 * directory entry, so a registration keeps only the issuer's own (RFC 7591 §3.2.1 lets the
 * server replace what was asked; the response says what was kept).
 */
function keepIssuerScopes(metadata: Record<string, unknown>): void {
  if (typeof metadata.scope !== 'string') return;
  const kept = metadata.scope.split(' ').filter((scope) => (ISSUER_SCOPES as readonly string[]).includes(scope));
  if (kept.length) metadata.scope = kept.join(' ');
  else delete metadata.scope;
}

function isNativeRedirect(uri: string): boolean {
  const url = URL.parse(uri);
  return url !== null && (url.protocol !== 'https:' && url.protocol !== 'http:' ? true : url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}
