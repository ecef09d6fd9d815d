import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An identity provider that lacks what MCP clients need, the way Microsoft Entra ID (v2
 * endpoints) does, built as a proxy in front of a development issuer so that its tokens are
 * real: its discovery document has no `code_challenge_methods_supported`, no registration,
 * revocation, client ID metadata document or RFC 9207 entry; `/register` and the RFC 8414
 * path do not exist; a `resource` parameter is refused (AADSTS901002); the API is named by
 * the scope prefix instead (`api://app/tickets:read`); and authorization responses carry no
 * `iss`. Tests prove the authorization façade against it.
 */
export interface LimitedIdentityProvider {
  /** The provider's endpoints (its discovery, authorize and token), on its own port. */
  readonly origin: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  /** The requests it refused for their `resource` parameter. */
  readonly refusedResource: number;
  stop(): Promise<void>;
}

export interface LimitedIdentityProviderOptions {
  /** The development issuer it stands in front of. */
  upstream: string;
  /** Each API's scope prefix and the audience its tokens carry: `api://gmcp-e2e/ops-reader/` → `api://gmcp-e2e/ops-reader`. */
  apis: Readonly<Record<string, string>>;
}

const HIDDEN_METADATA = ['code_challenge_methods_supported', 'registration_endpoint', 'revocation_endpoint', 'client_id_metadata_document_supported', 'authorization_response_iss_parameter_supported'];
const AADSTS901002 = { error: 'invalid_request', error_description: "AADSTS901002: The 'resource' request parameter is not supported." };

export async function startLimitedIdentityProvider(options: LimitedIdentityProviderOptions): Promise<LimitedIdentityProvider> {
  const upstream = new URL(options.upstream);
  let origin = '';
  let refusedResource = 0;

  /** Prefixed scopes become the upstream's resource indicator and plain scopes. */
  const translate = (params: URLSearchParams): boolean => {
    if (params.has('resource')) {
      refusedResource += 1;
      return false;
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
    if (url.pathname === '/register' || url.pathname.startsWith('/.well-known/oauth-authorization-server')) return json(res, 404, { error: 'not_found' });
    if (url.pathname === '/authorize' && req.method === 'GET') {
      if (!translate(url.searchParams)) return json(res, 400, AADSTS901002);
      return forward(req, res, `${url.pathname}${url.search}`);
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      const form = new URLSearchParams((await readBody(req)).toString());
      if (!translate(form)) return json(res, 400, AADSTS901002);
      return forward(req, res, url.pathname, Buffer.from(form.toString()));
    }
    return forward(req, res, `${url.pathname}${url.search}`, req.method === 'POST' ? await readBody(req) : undefined);
  };

  const discovery = async (res: ServerResponse) => {
    const document = (await (await fetch(`${upstream.origin}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    for (const field of HIDDEN_METADATA) delete document[field];
    const rewritten = JSON.parse(JSON.stringify(document).replaceAll(`${upstream.origin}/`, `${origin}/`)) as Record<string, unknown>;
    // Its issuer stays the upstream's: that is the `iss` of its tokens, as Entra's issuer differs from its endpoints' host.
    json(res, 200, { ...rewritten, issuer: document.issuer });
  };

  const forward = (req: IncomingMessage, res: ServerResponse, path: string, body?: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const headers = { ...req.headers, host: upstream.host, ...(body ? { 'content-length': String(body.length) } : {}) };
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

  /** The upstream's own URLs point back here; a redirect to the client loses its `iss`, as Entra sends none. */
  const rewriteLocation = (location: string): string => {
    const target = new URL(location, upstream);
    if (target.origin === upstream.origin) return `${origin}${target.pathname}${target.search}`;
    target.searchParams.delete('iss');
    return target.href;
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    authorizationEndpoint: `${origin}/authorize`,
    tokenEndpoint: `${origin}/token`,
    get refusedResource() {
      return refusedResource;
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
