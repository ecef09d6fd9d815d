import express, { type Request, type Response } from 'express';
import type { FacadeSettings, ServiceConfig } from '../config/service-config';
import type { Logger } from '../logging/logger';

/** Where the façade answers, on the server's own origin (its issuer identifier is the server's public URL). */
export const FACADE_PATHS = {
  metadata: '/.well-known/oauth-authorization-server',
  authorize: '/oauth/authorize',
  token: '/oauth/token',
  register: '/oauth/register',
} as const;

/** The gateway routes the façade needs (the deployment plan adds them when a stage configures one). */
export const FACADE_ROUTES = [
  `GET ${FACADE_PATHS.metadata}`,
  `GET ${FACADE_PATHS.authorize}`,
  `POST ${FACADE_PATHS.token}`,
  `OPTIONS ${FACADE_PATHS.token}`,
  `POST ${FACADE_PATHS.register}`,
  `OPTIONS ${FACADE_PATHS.register}`,
] as const;

const ISSUER_SCOPES = new Set(['openid', 'offline_access', 'profile', 'email']);
const TOKEN_RELAY_TIMEOUT_MS = 10_000;

/**
 * An authorization-server façade for an identity provider that lacks what MCP clients need
 * (Cognito and Entra ID publish no `code_challenge_methods_supported` and offer no dynamic
 * registration; Entra refuses RFC 8707's `resource`). It is not an authorization server: it
 * publishes RFC 8414 metadata naming the provider's endpoints or its own relays, answers
 * every registration with the one public client pre-registered at the provider, checks an
 * authorization request (client, redirect URI, PKCE S256, resource) before sending the
 * browser on to the provider, and relays token requests. Tokens are the provider's own.
 */
export function authorizationFacade(config: ServiceConfig, facade: FacadeSettings, scopes: readonly string[], logger: Logger): express.Router {
  const router = express.Router();
  const issuer = config.publicUrl;
  const toProvider = providerScopes(new Set(scopes), config.auth.scopePrefix);
  const cors = (_req: Request, res: Response, next: () => void) => {
    res.set({ 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type, authorization', 'access-control-allow-methods': 'GET, POST, OPTIONS' });
    next();
  };

  router.get(FACADE_PATHS.metadata, cors, (_req, res) => {
    res.set('cache-control', 'public, max-age=300').json({
      issuer,
      authorization_endpoint: `${issuer}${FACADE_PATHS.authorize}`,
      token_endpoint: `${issuer}${FACADE_PATHS.token}`,
      registration_endpoint: `${issuer}${FACADE_PATHS.register}`,
      ...(facade.revocationEndpoint ? { revocation_endpoint: facade.revocationEndpoint } : {}),
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none'],
      scopes_supported: scopes,
    });
  });

  router.options([FACADE_PATHS.token, FACADE_PATHS.register], cors, (_req, res) => void res.status(204).end());

  router.post(FACADE_PATHS.register, cors, express.json({ limit: '16kb' }), (req, res) => {
    const refusal = registrationRefusal(req.body, facade);
    if (refusal) return void res.status(400).json(refusal);
    const body = req.body as { redirect_uris: string[]; client_name?: unknown };
    res.status(201).set('cache-control', 'no-store').json({
      client_id: facade.clientId,
      client_id_issued_at: Math.floor(Date.now() / 1000),
      redirect_uris: body.redirect_uris,
      ...(typeof body.client_name === 'string' ? { client_name: body.client_name } : {}),
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
  });

  router.get(FACADE_PATHS.authorize, (req, res) => {
    const query = new URL(req.originalUrl, 'http://facade').searchParams;
    const outcome = authorizationOutcome(query, facade, config.resourceUrl);
    if (outcome.kind === 'refuse') return void res.status(400).type('text/plain').send(`${outcome.error}: ${outcome.description}`);
    if (outcome.kind === 'redirect-error') return void res.redirect(302, outcome.location);
    const target = new URL(facade.authorizationEndpoint);
    for (const [name, value] of query) {
      if (name === 'resource' && facade.resourceParameter === 'omit') continue;
      target.searchParams.append(name, name === 'scope' ? toProvider(value) : value);
    }
    res.redirect(302, target.href);
  });

  router.post(FACADE_PATHS.token, cors, express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    const form = new URLSearchParams(req.body as Record<string, string>);
    if (form.has('client_id') && form.get('client_id') !== facade.clientId) {
      return void res.status(401).json({ error: 'invalid_client', error_description: 'This platform has one client at its identity provider; register again' });
    }
    if (facade.resourceParameter === 'omit') form.delete('resource');
    const scope = form.get('scope');
    if (scope) form.set('scope', toProvider(scope));
    try {
      const relayed = await fetch(facade.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...(req.header('authorization') ? { authorization: req.header('authorization')! } : {}) },
        body: form.toString(),
        signal: AbortSignal.timeout(TOKEN_RELAY_TIMEOUT_MS),
      });
      res.status(relayed.status).set({ 'content-type': relayed.headers.get('content-type') ?? 'application/json', 'cache-control': 'no-store' }).send(Buffer.from(await relayed.arrayBuffer()));
    } catch (error) {
      logger.error('the identity provider did not answer a token request', { error: error as Error });
      res.status(503).set('retry-after', '5').json({ error: 'temporarily_unavailable', error_description: 'The identity provider did not answer; try again' });
    }
  });
  return router;
}

/** Asks the provider for this server's scopes by the names it knows them under (its prefix); others pass as they are. */
function providerScopes(serverScopes: ReadonlySet<string>, prefix: string) {
  return (scope: string) =>
    scope
      .split(' ')
      .filter(Boolean)
      .map((name) => (serverScopes.has(name) && !ISSUER_SCOPES.has(name) ? `${prefix}${name}` : name))
      .join(' ');
}

type AuthorizationOutcome = { kind: 'forward' } | { kind: 'refuse'; error: string; description: string } | { kind: 'redirect-error'; location: string };

/**
 * RFC 6749 §4.1.2.1: an unknown client or redirect URI is answered here (never redirected to);
 * once both are known, other errors go back to the client with its state.
 */
function authorizationOutcome(query: URLSearchParams, facade: FacadeSettings, resourceUrl: string): AuthorizationOutcome {
  if (query.get('client_id') !== facade.clientId) return { kind: 'refuse', error: 'invalid_client', description: 'unknown client_id: register first (this platform has one public client)' };
  const redirectUri = query.get('redirect_uri') ?? '';
  if (!redirectAllowed(redirectUri, facade.redirectUris)) return { kind: 'refuse', error: 'invalid_request', description: `redirect_uri ${redirectUri || '(none)'} is not registered for this platform's client` };
  const error = (code: string, description: string) => {
    const location = new URL(redirectUri);
    location.searchParams.set('error', code);
    location.searchParams.set('error_description', description);
    const state = query.get('state');
    if (state !== null) location.searchParams.set('state', state);
    return { kind: 'redirect-error' as const, location: location.href };
  };
  if (query.get('response_type') !== 'code') return error('unsupported_response_type', 'only the authorization code flow is supported');
  if (!query.get('code_challenge') || query.get('code_challenge_method') !== 'S256') return error('invalid_request', 'PKCE with code_challenge_method S256 is required');
  const resource = query.get('resource');
  if (resource !== null && resource !== resourceUrl) return error('invalid_target', `this server is ${resourceUrl}`);
  return { kind: 'forward' };
}

function registrationRefusal(body: unknown, facade: FacadeSettings): { error: string; error_description: string } | undefined {
  const metadata = (body ?? {}) as Record<string, unknown>;
  const uris = metadata.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0 || !uris.every((uri): uri is string => typeof uri === 'string')) {
    return { error: 'invalid_redirect_uri', error_description: 'redirect_uris must list at least one URI' };
  }
  const unknown = uris.filter((uri) => !redirectAllowed(uri, facade.redirectUris));
  if (unknown.length) {
    return { error: 'invalid_redirect_uri', error_description: `not registered for this platform's client at its identity provider: ${unknown.join(', ')} (registered: ${facade.redirectUris.join(', ')})` };
  }
  const method = metadata.token_endpoint_auth_method;
  if (method !== undefined && method !== 'none') return { error: 'invalid_client_metadata', error_description: "this platform's client is public: token_endpoint_auth_method must be none" };
  return undefined;
}

/** Exact match, except that a loopback redirect may use any port (RFC 8252 §7.3). */
export function redirectAllowed(requested: string, registered: readonly string[]): boolean {
  if (registered.includes(requested)) return true;
  const withoutPort = loopbackWithoutPort(requested);
  return withoutPort !== undefined && registered.some((uri) => loopbackWithoutPort(uri) === withoutPort);
}

function loopbackWithoutPort(uri: string): string | undefined {
  const url = URL.parse(uri);
  if (!url || url.protocol !== 'http:' || !['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)) return undefined;
  url.port = '';
  return url.href;
}
