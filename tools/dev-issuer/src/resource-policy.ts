import { errors, type KoaContextWithOIDC } from './oidc-provider';
import type { DevDirectory } from './dev-users';
import { isIssuerScope } from './issuer-scopes';
import { ResourceRefused, type ResourceCatalog } from './protected-resources';
import { SIGNING_ALGORITHM } from './signing-key';

/** RFC 8707: a token names exactly one MCP server; an authorization request must say which. */
export function requireOneResource(ctx: KoaContextWithOIDC, _client: unknown, oneOf?: readonly string[]): string | readonly string[] | undefined {
  if (oneOf) return oneOf.length === 1 ? oneOf[0] : oneOf;
  if (ctx.oidc.route === 'authorization') {
    throw new errors.InvalidTarget('a resource parameter naming the MCP server (its /mcp URL) is required');
  }
  return undefined;
}

export interface ResourcePolicyOptions {
  resources: ResourceCatalog;
  directory: DevDirectory;
  accessTokenTtlSeconds: number;
  /**
   * Scopes one client may have for a server beyond what the server advertises, as an IdP grants
   * an application a permission (the approvals console: `approvals:decide` on the writer, which
   * assistants, asking for what the server advertises, never get).
   */
  clientScopes?: (clientId: string, resource: string) => readonly string[];
}

/**
 * What a token for one MCP server may carry. At the authorization endpoint: one resource per
 * request, and only scopes the server advertises (refused before anyone signs in). When a
 * token is issued (from a code or a refresh token): only the scopes the user holds now, so
 * that a scope taken away in the directory is gone at the next refresh.
 */
export async function resourceServerInfo(ctx: KoaContextWithOIDC, indicator: string, options: ResourcePolicyOptions) {
  if (ctx.oidc.route === 'authorization' && Array.isArray(ctx.oidc.params?.resource) && ctx.oidc.params.resource.length > 1) {
    throw new errors.InvalidTarget('one resource per authorization: a token names exactly one MCP server');
  }
  const advertised = await options.resources.lookup(indicator).catch((error: unknown) => {
    throw error instanceof ResourceRefused ? new errors.InvalidTarget(error.message) : error;
  });
  const clientId = (ctx.oidc.client as { clientId?: string } | undefined)?.clientId;
  const server = { ...advertised, scopes: [...new Set([...advertised.scopes, ...(clientId ? (options.clientScopes?.(clientId, advertised.resource) ?? []) : [])])] };
  if (ctx.oidc.route === 'authorization') {
    const unknown = String(ctx.oidc.params?.scope ?? '').split(' ').filter((scope) => scope && !server.scopes.includes(scope) && !isIssuerScope(scope));
    if (unknown.length) throw new errors.InvalidScope(`${server.name} does not define ${unknown.join(', ')} (it defines ${server.scopes.join(', ')})`, unknown.join(' '));
  }
  return {
    scope: grantable(ctx, server.scopes, options.directory).join(' '),
    audience: server.resource,
    accessTokenTTL: options.accessTokenTtlSeconds,
    accessTokenFormat: 'jwt' as const,
    jwt: { sign: { alg: SIGNING_ALGORITHM } as const },
  };
}

/** At the token endpoint, the server's scopes that the user the token is for still holds. */
function grantable(ctx: KoaContextWithOIDC, scopes: readonly string[], directory: DevDirectory): readonly string[] {
  if (ctx.oidc.route !== 'token') return scopes;
  const entities = ctx.oidc.entities as { RefreshToken?: { accountId?: string }; AuthorizationCode?: { accountId?: string } };
  const accountId = entities.RefreshToken?.accountId ?? entities.AuthorizationCode?.accountId;
  const held = accountId ? directory.find(accountId)?.scopes ?? [] : [];
  return scopes.filter((scope) => held.includes(scope));
}
