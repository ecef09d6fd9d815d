import express, { type NextFunction, type Request, type Response } from 'express';
import type { FacadeSettings, ServiceConfig } from '../config/service-config';
import { OAuthRequestError } from '../errors/errors';
import type { Logger } from '../logging/logger';
import { jsonBody } from './json-body';
import { answerContext, sendError } from './send-error';

/** Where the façade answers, on the server's own origin (its issuer identifier is the server's public URL). */
export const FACADE_PATHS = {
  metadata: '/.well-known/oauth-authorization-server',
  authorize: '/oauth/authorize',
  callback: '/oauth/callback',
  token: '/oauth/token',
  register: '/oauth/register',
} as const;

/** The gateway routes the façade needs (the deployment plan adds them when a stage configures one). */
export const FACADE_ROUTES = [
  `GET ${FACADE_PATHS.metadata}`,
  `GET ${FACADE_PATHS.authorize}`,
  `GET ${FACADE_PATHS.callback}`,
  `POST ${FACADE_PATHS.token}`,
  `OPTIONS ${FACADE_PATHS.token}`,
  `POST ${FACADE_PATHS.register}`,
  `OPTIONS ${FACADE_PATHS.register}`,
] as const;

const ISSUER_SCOPES = new Set(['openid', 'offline_access', 'profile', 'email']);
const TOKEN_RELAY_TIMEOUT_MS = 10_000;
/** What a token request may carry to the provider; anything else stays here. */
const TOKEN_PARAMETERS = ['grant_type', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'client_id', 'scope', 'resource'];

/**
 * An authorization-server façade for an identity provider that lacks what MCP clients need
 * (Cognito and Entra ID publish no `code_challenge_methods_supported` and offer no dynamic
 * registration; Entra refuses RFC 8707's `resource`; few send RFC 9207's `iss`). It is not an
 * authorization server: it issues no token and keeps no state. It publishes RFC 8414 metadata
 * naming its own endpoints; answers every registration with the one public client
 * pre-registered at the provider; checks an authorization request (client, redirect URI, PKCE
 * S256, one resource, this server's scopes) and sends the browser on to the provider with its
 * own callback as the redirect URI; on the way back, checks the provider's answer and sends it
 * to the client's redirect URI with the façade's `iss` (so mix-up protection holds whether the
 * provider sends `iss` or not); and relays authorization-code and refresh-token requests.
 * The provider then needs only one redirect URI per server: `<server URL>/oauth/callback`.
 */
export function authorizationFacade(config: ServiceConfig, facade: FacadeSettings, scopes: readonly string[], logger: Logger): express.Router {
  const router = express.Router();
  const answers = answerContext(config, 'oauth');
  const issuer = config.publicUrl;
  const callback = `${issuer}${FACADE_PATHS.callback}`;
  const serverScopes = new Set(scopes);
  const toProvider = (scope: string) => providerScopes(scope, serverScopes, config.auth.scopePrefix);
  router.use((_req, res, next) => {
    res.set({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
    next();
  });
  const cors = (_req: Request, res: Response, next: NextFunction) => {
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
      authorization_response_iss_parameter_supported: true,
      scopes_supported: scopes,
    });
  });

  router.options([FACADE_PATHS.token, FACADE_PATHS.register], cors, (_req, res) => void res.status(204).end());

  router.post(FACADE_PATHS.register, cors, ...jsonBody({ limit: '16kb' }), (req, res) => {
    const body = registration(req.body, facade);
    res.status(201).json({
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
    const checked = checkAuthorization(query, facade, config.resourceUrl, serverScopes);
    if (checked.kind === 'refuse') throw checked.refusal;
    if (checked.kind === 'back') return void res.redirect(302, clientRedirect(checked.redirectUri, { ...checked.answer, state: query.get('state') }, issuer));
    const target = new URL(facade.authorizationEndpoint);
    for (const [name, value] of query) {
      if (name === 'resource' && facade.resourceParameter === 'omit') continue;
      if (name === 'redirect_uri' || name === 'state') continue;
      target.searchParams.append(name, name === 'scope' ? toProvider(value) : value);
    }
    target.searchParams.set('redirect_uri', callback);
    target.searchParams.set('state', packState({ redirectUri: checked.redirectUri, state: query.get('state') }));
    res.redirect(302, target.href);
  });

  router.get(FACADE_PATHS.callback, (req, res) => {
    const query = new URL(req.originalUrl, 'http://facade').searchParams;
    const packed = unpackState(query.get('state'));
    if (!packed || !redirectAllowed(packed.redirectUri, facade.redirectUris)) throw new OAuthRequestError(400, 'invalid_request', 'This answer does not belong to a sign-in started here.');
    const providerIssuer = query.get('iss');
    if (providerIssuer !== null && providerIssuer !== config.auth.issuer) {
      return void res.redirect(302, clientRedirect(packed.redirectUri, { error: 'invalid_request', error_description: 'the answer came from another identity provider', state: packed.state }, issuer));
    }
    const answer: Record<string, string | null> = query.has('code')
      ? { code: query.get('code') }
      : { error: query.get('error') ?? 'server_error', error_description: query.get('error_description') ?? 'the identity provider gave no code' };
    res.redirect(302, clientRedirect(packed.redirectUri, { ...answer, state: packed.state }, issuer));
  });

  router.post(FACADE_PATHS.token, cors, express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    const form = tokenRequest(req.body as Record<string, unknown>, facade, serverScopes);
    if (form.get('grant_type') === 'authorization_code') form.set('redirect_uri', callback);
    if (facade.resourceParameter === 'omit') form.delete('resource');
    const scope = form.get('scope');
    if (scope) form.set('scope', toProvider(scope));
    try {
      const relayed = await fetch(facade.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(TOKEN_RELAY_TIMEOUT_MS),
      });
      res.status(relayed.status).set('content-type', relayed.headers.get('content-type') ?? 'application/json').send(Buffer.from(await relayed.arrayBuffer()));
    } catch (error) {
      logger.error('the identity provider did not answer a token request', { error: error as Error });
      sendError(res, new OAuthRequestError(503, 'temporarily_unavailable', 'The identity provider did not answer; try again', 5), answers);
    }
  });

  router.use((error: Error & { type?: string }, req: Request, res: Response, _next: NextFunction) => {
    const refusal = error instanceof OAuthRequestError ? error : new OAuthRequestError(400, req.path === FACADE_PATHS.register ? 'invalid_client_metadata' : 'invalid_request', `the request could not be read (${error.type ?? 'malformed'})`);
    sendError(res, refusal, answers);
  });
  return router;
}

/** The provider's names for this server's scopes (its prefix); the issuer's own pass as they are. */
function providerScopes(scope: string, serverScopes: ReadonlySet<string>, prefix: string): string {
  return scope
    .split(' ')
    .filter(Boolean)
    .map((name) => (serverScopes.has(name) && !ISSUER_SCOPES.has(name) ? `${prefix}${name}` : name))
    .join(' ');
}

type AuthorizationCheck =
  | { kind: 'forward'; redirectUri: string }
  | { kind: 'refuse'; refusal: OAuthRequestError }
  | { kind: 'back'; redirectUri: string; answer: { error: string; error_description: string } };

/**
 * RFC 6749 §4.1.2.1: an unknown client or redirect URI is answered here (never redirected to);
 * once both are known, other errors go back to the client with its state.
 */
function checkAuthorization(query: URLSearchParams, facade: FacadeSettings, resourceUrl: string, serverScopes: ReadonlySet<string>): AuthorizationCheck {
  const repeated = repeatedParameter(query);
  if (repeated) return { kind: 'refuse', refusal: new OAuthRequestError(400, 'invalid_request', `${repeated} is given more than once`) };
  if (query.get('client_id') !== facade.clientId) return { kind: 'refuse', refusal: new OAuthRequestError(400, 'invalid_client', 'unknown client_id: register first (this platform has one public client)') };
  const redirectUri = query.get('redirect_uri') ?? '';
  if (!redirectAllowed(redirectUri, facade.redirectUris)) return { kind: 'refuse', refusal: new OAuthRequestError(400, 'invalid_request', `redirect_uri ${redirectUri || '(none)'} is not registered for this platform's client`) };
  const back = (error: string, description: string): AuthorizationCheck => ({ kind: 'back', redirectUri, answer: { error, error_description: description } });
  if (query.get('response_type') !== 'code') return back('unsupported_response_type', 'only the authorization code flow is supported');
  if (!query.get('code_challenge') || query.get('code_challenge_method') !== 'S256') return back('invalid_request', 'PKCE with code_challenge_method S256 is required');
  const resource = query.get('resource');
  if (resource !== null && resource !== resourceUrl) return back('invalid_target', `this server is ${resourceUrl}`);
  const foreign = (query.get('scope') ?? '').split(' ').filter((name) => name && !serverScopes.has(name) && !ISSUER_SCOPES.has(name));
  if (foreign.length) return back('invalid_scope', `this server does not define ${foreign.join(', ')}`);
  return { kind: 'forward', redirectUri };
}

/** RFC 6749 §3.1 and §3.2: no parameter may appear more than once. */
function repeatedParameter(parameters: URLSearchParams): string | undefined {
  const seen = new Set<string>();
  for (const name of parameters.keys()) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

/** Only the two grants MCP clients use, from the platform's one public client, with nothing the provider should not see. */
function tokenRequest(body: Record<string, unknown>, facade: FacadeSettings, serverScopes: ReadonlySet<string>): URLSearchParams {
  const form = new URLSearchParams();
  for (const name of TOKEN_PARAMETERS) {
    const value = body[name];
    if (Array.isArray(value)) throw new OAuthRequestError(400, 'invalid_request', `${name} is given more than once`);
    if (typeof value === 'string') form.set(name, value);
  }
  const grant = form.get('grant_type');
  if (grant !== 'authorization_code' && grant !== 'refresh_token') throw new OAuthRequestError(400, 'unsupported_grant_type', 'only authorization_code and refresh_token are relayed');
  if (form.get('client_id') !== facade.clientId) throw new OAuthRequestError(401, 'invalid_client', 'client_id must be the client this platform registered (register again)');
  if (grant === 'authorization_code' && !redirectAllowed(form.get('redirect_uri') ?? '', facade.redirectUris)) throw new OAuthRequestError(400, 'invalid_grant', 'redirect_uri is not one registered for this platform\'s client');
  const foreign = (form.get('scope') ?? '').split(' ').filter((name) => name && !serverScopes.has(name) && !ISSUER_SCOPES.has(name));
  if (foreign.length) throw new OAuthRequestError(400, 'invalid_scope', `this server does not define ${foreign.join(', ')}`);
  return form;
}

function registration(body: unknown, facade: FacadeSettings): { redirect_uris: string[]; client_name?: unknown } {
  const metadata = (body ?? {}) as Record<string, unknown>;
  const uris = metadata.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0 || !uris.every((uri): uri is string => typeof uri === 'string')) {
    throw new OAuthRequestError(400, 'invalid_redirect_uri', 'redirect_uris must list at least one URI');
  }
  const unknown = uris.filter((uri) => !redirectAllowed(uri, facade.redirectUris));
  if (unknown.length) throw new OAuthRequestError(400, 'invalid_redirect_uri', `not allowed for this platform's client: ${unknown.join(', ')} (allowed: ${facade.redirectUris.join(', ')})`);
  const method = metadata.token_endpoint_auth_method;
  if (method !== undefined && method !== 'none') throw new OAuthRequestError(400, 'invalid_client_metadata', "this platform's client is public: token_endpoint_auth_method must be none");
  return { redirect_uris: uris, client_name: metadata.client_name };
}

/**
 * The client's redirect URI and state travel through the provider inside the state the façade
 * sends it. Nothing trusts them on the way back without checking: the redirect URI must be one
 * the façade allows, and the client checks its own state (and PKCE binds the code to it).
 */
function packState(value: { redirectUri: string; state: string | null }): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function unpackState(packed: string | null): { redirectUri: string; state: string | null } | undefined {
  if (!packed || packed.length > 4096) return undefined;
  try {
    const value = JSON.parse(Buffer.from(packed, 'base64url').toString('utf8')) as { redirectUri?: unknown; state?: unknown };
    if (typeof value.redirectUri !== 'string' || (value.state !== null && typeof value.state !== 'string')) return undefined;
    return { redirectUri: value.redirectUri, state: value.state };
  } catch {
    return undefined;
  }
}

/** The answer the client gets at its redirect URI, with the façade's `iss` (RFC 9207). */
function clientRedirect(redirectUri: string, answer: Record<string, string | null>, issuer: string): string {
  const location = new URL(redirectUri);
  for (const [name, value] of Object.entries(answer)) if (value !== null) location.searchParams.set(name, value);
  location.searchParams.set('iss', issuer);
  return location.href;
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
