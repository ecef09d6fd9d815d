import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

/**
 * An identity provider that lacks what MCP clients need, the way Microsoft Entra ID (v2) or
 * Amazon Cognito does, built as a proxy in front of a development issuer so that its sign-in
 * and tokens are real. Both styles: a discovery document without
 * `code_challenge_methods_supported`, registration, client ID metadata documents or RFC 9207;
 * no `/register` and no RFC 8414 path; APIs named by scope prefix (`api://app/tickets:read`,
 * `<resource server>/tickets:read`); no `iss` in authorization responses.
 *
 * - `entra`: a `resource` parameter is refused (AADSTS901002); tokens are the issuer's own
 *   (its issuer, an audience), and there is no revocation endpoint.
 * - `cognito`: a `resource` parameter is ignored; access tokens are re-issued the Cognito way,
 *   signed by this provider's own key under its own issuer: no `aud`, `client_id`, the
 *   prefixed scopes, `token_use: access`.
 *
 * Tests prove the authorization façade against it.
 */
export interface LimitedIdentityProvider {
  readonly style: LimitedIdentityProviderOptions['style'];
  /** Its own origin: its discovery, endpoints and (cognito) issuer and JWKS. */
  readonly origin: string;
  /** The `iss` of the tokens it hands out. */
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  /** The requests it refused (entra) or ignored (cognito) a `resource` parameter in. */
  readonly resourceParameters: number;
  stop(): Promise<void>;
}

export interface LimitedIdentityProviderOptions {
  style: 'entra' | 'cognito';
  /** The development issuer it stands in front of. */
  upstream: string;
  /** Each API's scope prefix and the audience the upstream gives its tokens: `api://gmcp-e2e/ops-reader/` → `api://gmcp-e2e/ops-reader`. */
  apis: Readonly<Record<string, string>>;
}

const HIDDEN_METADATA = ['code_challenge_methods_supported', 'registration_endpoint', 'client_id_metadata_document_supported', 'authorization_response_iss_parameter_supported'];
const AADSTS901002 = { error: 'invalid_request', error_description: "AADSTS901002: The 'resource' request parameter is not supported." };

export async function startLimitedIdentityProvider(options: LimitedIdentityProviderOptions): Promise<LimitedIdentityProvider> {
  const upstream = new URL(options.upstream);
  const keys = await generateKeyPair('RS256', { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(keys.publicKey)), kid: 'limited-1', alg: 'RS256', use: 'sig' };
  let origin = '';
  let resourceParameters = 0;
  const reissuing = options.style === 'cognito';

  /** The upstream's resource indicator and plain scopes, from this provider's prefixed scopes; false when refused. */
  const translate = (params: URLSearchParams): boolean => {
    if (params.has('resource')) {
      resourceParameters += 1;
      if (options.style === 'entra') return false;
      params.delete('resource');
    }
    const scope = params.get('scope');
    if (!scope) return true;
    const audiences = new Set<string>();
    const plain = scope.split(' ').filter(Boolean).map((name) => {
      const prefix = Object.keys(options.apis).find((candidate) => name.startsWith(candidate));
      if (!prefix) return name;
      audiences.add(options.apis[prefix]!);
      return name.slice(prefix.length);
    });
    params.set('scope', plain.join(' '));
    if (audiences.size === 1) params.set('resource', [...audiences][0]!);
    return true;
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.writeHead(502).end());
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === '/.well-known/openid-configuration') return discovery(res);
    if (reissuing && url.pathname === '/.well-known/jwks.json') return json(res, 200, { keys: [publicJwk] });
    if (url.pathname === '/register' || url.pathname.startsWith('/.well-known/oauth-authorization-server')) return json(res, 404, { error: 'not_found' });
    if (url.pathname === '/revoke' && options.style === 'entra') return json(res, 404, { error: 'not_found' });
    if (url.pathname === '/authorize' && req.method === 'GET') {
      if (!translate(url.searchParams)) return json(res, 400, AADSTS901002);
      return forward(req, res, `${url.pathname}?${url.searchParams}`);
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      const form = new URLSearchParams((await readBody(req)).toString());
      if (!translate(form)) return json(res, 400, AADSTS901002);
      if (!reissuing) return forward(req, res, url.pathname, Buffer.from(form.toString()));
      return reissue(res, await fetch(`${upstream.origin}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() }));
    }
    return forward(req, res, `${url.pathname}${url.search}`, req.method === 'POST' ? await readBody(req) : undefined);
  };

  const discovery = async (res: ServerResponse) => {
    const document = (await (await fetch(`${upstream.origin}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    for (const field of HIDDEN_METADATA) delete document[field];
    if (options.style === 'entra') delete document.revocation_endpoint;
    const rewritten = JSON.parse(JSON.stringify(document).replaceAll(`${upstream.origin}/`, `${origin}/`)) as Record<string, unknown>;
    // Entra's issuer is not its endpoints' host; Cognito's tokens are its own.
    json(res, 200, { ...rewritten, issuer: reissuing ? origin : document.issuer });
  };

  /** Cognito's access token: no audience, the client it was issued to, the prefixed scopes. */
  const reissue = async (res: ServerResponse, answer: Response) => {
    const body = (await answer.json()) as Record<string, unknown>;
    if (!answer.ok || typeof body.access_token !== 'string') return json(res, answer.status, body);
    const claims = decodeJwt(body.access_token);
    const prefix = Object.entries(options.apis).find(([, audience]) => audience === claims.aud)?.[0] ?? '';
    const scope = String(claims.scope ?? '').split(' ').filter(Boolean).map((name) => `${prefix}${name}`).join(' ');
    const accessToken = await new SignJWT({ client_id: claims.client_id, scope, token_use: 'access', username: claims.sub })
      .setProtectedHeader({ alg: 'RS256', kid: publicJwk.kid! })
      .setIssuer(origin)
      .setSubject(String(claims.sub))
      .setIssuedAt()
      .setExpirationTime(Number(claims.exp))
      .setJti(randomUUID())
      .sign(keys.privateKey);
    json(res, 200, { ...body, access_token: accessToken });
  };

  const forward = (req: IncomingMessage, res: ServerResponse, path: string, body?: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const headers = { ...req.headers, host: upstream.host, ...(body ? { 'content-length': String(body.length) } : {}) };
      // The browser posts the sign-in forms from this origin; the upstream takes them from its own.
      if (headers.origin === origin) headers.origin = upstream.origin;
      const proxied = request({ host: upstream.hostname, port: upstream.port, method: req.method, path, headers }, (answer) => {
        const location = answer.headers.location;
        if (location) answer.headers.location = rewriteLocation(location);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res).on('finish', resolve).on('error', reject);
      });
      proxied.on('error', reject);
      if (body) proxied.end(body);
      else req.pipe(proxied);
    });

  /** The upstream's own URLs point back here; a redirect to the client loses its `iss`, as these providers send none. */
  const rewriteLocation = (location: string): string => {
    const target = new URL(location, upstream);
    if (target.origin === upstream.origin) return `${origin}${target.pathname}${target.search}`;
    target.searchParams.delete('iss');
    return target.href;
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    style: options.style,
    origin,
    issuer: reissuing ? origin : upstream.origin,
    jwksUrl: reissuing ? `${origin}/.well-known/jwks.json` : `${upstream.origin}/.well-known/jwks.json`,
    authorizationEndpoint: `${origin}/authorize`,
    tokenEndpoint: `${origin}/token`,
    get resourceParameters() {
      return resourceParameters;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
