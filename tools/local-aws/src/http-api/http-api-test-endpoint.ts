import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { httpApiEvent } from './http-api-event';
import { createJwtAuthorizer, type JwtAuthorizerSettings } from './jwt-authorizer';
import type { Invocation } from './lambda-process';
import { readBodyBytes } from '../http-body';
import { listenOnLoopback } from '../loopback';

/** A route as an HTTP API declares it: `"POST /mcp"`, `"GET /approvals/{id}"`; `auth` false for a public route. */
export interface HttpApiRoute {
  route: string;
  auth: false | { scopes: readonly string[] };
}

export interface HttpApiTestEndpointOptions {
  routes: readonly HttpApiRoute[];
  authorizer: JwtAuthorizerSettings;
  /** Invokes the integration's function with the event (a Lambda process, or an in-process handler). */
  invoke(event: unknown): Promise<Invocation>;
  /** The API's id, as events and metrics name it (default `localapi01`). */
  apiId?: string;
  /** Told of every answer, the gateway's own included, as the API's CloudWatch metrics count them. */
  onResponse?(status: number, latencyMs: number): void;
}

export interface HttpApiTestEndpoint {
  /** http://127.0.0.1:<port>: the API's invoke URL. */
  readonly url: string;
  /** Events sent to the function, newest last (for assertions). */
  readonly events: readonly ReturnType<typeof httpApiEvent>[];
  stop(): Promise<void>;
}

interface LambdaHttpResult {
  statusCode?: number;
  headers?: Record<string, string>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

/**
 * An API Gateway HTTP API on loopback, for tests: routes with a JWT authorizer, the Lambda
 * proxy integration with payload format 2.0, and API Gateway's own answers (404 for no
 * route, 401/403 from the authorizer, 500 when the function fails) — so that a bundled
 * handler is driven by the real MCP client as it would be on AWS.
 */
export async function startHttpApiTestEndpoint(options: HttpApiTestEndpointOptions): Promise<HttpApiTestEndpoint> {
  const routes = options.routes.map(compileRoute);
  const authorize = createJwtAuthorizer(options.authorizer);
  const events: ReturnType<typeof httpApiEvent>[] = [];
  const apiId = options.apiId ?? 'localapi01';
  const server = createServer((req, res) => {
    const received = performance.now();
    res.once('finish', () => options.onResponse?.(res.statusCode, performance.now() - received));
    void handle(req, res).catch(() => reply(res, 500, { message: 'Internal Server Error' }));
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBodyBytes(req);
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    const match = routes.map((route) => route.match(req.method ?? 'GET', path)).find((found) => found !== undefined);
    if (!match) return reply(res, 404, { message: 'Not Found' });
    let authorizer;
    if (match.auth) {
      const verdict = await authorize(req.headers.authorization, match.auth.scopes);
      if (!verdict.ok) return reply(res, verdict.status, { message: verdict.message }, verdict.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
      authorizer = { claims: verdict.claims, scopes: verdict.scopes };
    }
    const host = req.headers.host ?? '127.0.0.1';
    const event = httpApiEvent(
      { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body, sourceIp: req.socket.remoteAddress ?? '127.0.0.1' },
      { routeKey: match.routeKey, pathParameters: match.pathParameters },
      { apiId, accountId: '000000000000', domainName: host.split(':')[0] ?? host },
      authorizer,
    );
    events.push(event);
    const invocation = await options.invoke(event);
    if (!invocation.ok) return reply(res, 500, { message: 'Internal Server Error' });
    writeResult(res, invocation.result as LambdaHttpResult | null);
  };
  const listening = await listenOnLoopback(server);
  return { url: listening.url, events, stop: listening.stop };
}

function compileRoute({ route, auth }: HttpApiRoute) {
  const [method, template] = route.split(' ') as [string, string];
  const names: string[] = [];
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (/^\{[^}]+\}$/.test(part) ? (names.push(part.slice(1, -1)), '([^/]+)') : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const pattern = new RegExp(`^${source}$`);
  return {
    match(requestMethod: string, path: string) {
      const found = requestMethod === method ? pattern.exec(path) : null;
      if (!found) return undefined;
      return { routeKey: route, auth, pathParameters: Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(found[index + 1]!)])) };
    },
  };
}

/** A result without `statusCode` is a 200 JSON body, as API Gateway treats it. */
function writeResult(res: ServerResponse, result: LambdaHttpResult | null): void {
  if (result === null || typeof result !== 'object' || result.statusCode === undefined) {
    return reply(res, 200, result);
  }
  const body = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  res.writeHead(result.statusCode, { ...(result.headers ?? {}), ...(result.cookies?.length ? { 'set-cookie': result.cookies } : {}), 'content-length': body.length });
  res.end(body);
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
