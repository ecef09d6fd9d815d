import { Provider, type ClientMetadata, type Configuration, type ProviderInstance } from './oidc-provider';
import { createClientMetadataFetch, type ClientMetadataFetchPolicy } from './client-metadata-fetch';
import { allowedCorsOrigin, normalizeClientMetadata } from './client-policy';
import type { DevDirectory } from './dev-users';
import { ISSUER_SCOPES } from './issuer-scopes';
import type { ResourceCatalog } from './protected-resources';
import { PAGE_HEADERS, renderErrorPage } from './pages';
import { requireOneResource, resourceServerInfo } from './resource-policy';
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
  /** Offer client ID metadata documents (a machine with no internet access cannot fetch Claude's or VS Code's). */
  clientIdMetadataDocuments: boolean;
  /** Scopes a client may have for a server beyond what it advertises (see ResourcePolicyOptions). */
  clientScopes?: (clientId: string, resource: string) => readonly string[];
}

export const ROUTES = {
  authorization: '/authorize',
  token: '/token',
  registration: '/register',
  revocation: '/revoke',
  userinfo: '/userinfo',
  jwks: '/.well-known/jwks.json',
} as const;

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
    // The user's groups ride in every access token, as an identity provider's groups claim does.
    extraTokenClaims: (_ctx, token) => {
      const groups = options.directory.find((token as { accountId?: string }).accountId ?? '')?.groups ?? [];
      return groups.length ? { groups: [...groups] } : undefined;
    },
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
      clientIdMetadataDocument: { enabled: options.clientIdMetadataDocuments, ack: 'draft-02', cacheDuration: { min: 30, max: 3600 } },
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
        if (key === 'software_id') normalizeClientMetadata(ctx, metadata);
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
    clientBasedCORS: (_ctx, origin, client) => allowedCorsOrigin(origin, client.redirectUris),
    renderError: async (ctx, out, error) => {
      ctx.set(PAGE_HEADERS);
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
