import { errors, type KoaContextWithOIDC } from './oidc-provider';
import { ISSUER_SCOPES } from './issuer-scopes';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * What the issuer accepts of a client's metadata, registered (RFC 7591) or fetched (a client
 * ID metadata document), applied before oidc-provider validates it:
 *
 * - Redirect URIs: https; http on a loopback address, for native applications only; a
 *   private-use scheme (cursor://…), for native applications. A client that redirects to
 *   loopback or a private-use scheme and does not say its application_type is a native
 *   application (RFC 8252), which lets its loopback port change from one run to the next
 *   (§7.3): Claude Code's metadata document lists `http://localhost/callback` and signs in on
 *   any port, and says no application_type (oidc-provider would take it for a web client).
 * - Scopes: a client may register the scopes it will ask for (the v1 SDK registers the
 *   server's), but resource scopes are decided per request against the server's metadata and
 *   the user's directory entry, so a registration keeps only the issuer's own (RFC 7591
 *   §3.2.1 lets the server replace what was asked; the response says what was kept).
 */
export function normalizeClientMetadata(ctx: KoaContextWithOIDC | undefined, metadata: Record<string, unknown>): void {
  const uris = Array.isArray(metadata.redirect_uris) ? metadata.redirect_uris.filter((uri): uri is string => typeof uri === 'string') : [];
  const registering = ctx?.oidc?.route === 'registration';
  const declared = registering ? (ctx?.oidc?.body as Record<string, unknown> | undefined)?.application_type : undefined;
  if (declared === undefined && uris.some(isNativeRedirect)) metadata.application_type = 'native';
  for (const uri of uris) {
    const url = URL.parse(uri);
    if (url?.protocol !== 'http:') continue;
    if (!LOOPBACK_HOSTS.has(url.hostname)) throw new errors.InvalidClientMetadata(`redirect_uris: ${uri} uses http on a host that is not loopback; use https`);
    if (declared === 'web') throw new errors.InvalidClientMetadata(`redirect_uris: ${uri} is a loopback redirect, which native applications use: register with application_type native`);
  }
  keepIssuerScopes(metadata);
}

function keepIssuerScopes(metadata: Record<string, unknown>): void {
  if (typeof metadata.scope !== 'string') return;
  const kept = metadata.scope.split(' ').filter((scope) => (ISSUER_SCOPES as readonly string[]).includes(scope));
  if (kept.length) metadata.scope = kept.join(' ');
  else delete metadata.scope;
}

function isNativeRedirect(uri: string): boolean {
  const url = URL.parse(uri);
  if (!url) return false;
  if (url.protocol === 'http:') return LOOPBACK_HOSTS.has(url.hostname);
  return url.protocol !== 'https:';
}

/**
 * Browser clients (the MCP Inspector's web UI) call the token endpoint from their own origin:
 * allowed when it is the origin of one of their redirect URIs. A private-use scheme has the
 * opaque origin "null", which no browser request may claim.
 */
export function allowedCorsOrigin(origin: string, redirectUris: readonly string[] | undefined): boolean {
  if (origin === 'null') return false;
  return redirectUris?.some((uri) => URL.parse(uri)?.origin === origin) ?? false;
}
