import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** An HTTP API (payload format 2.0) proxy event, as API Gateway sends it to a function. */
export interface HttpApiEvent {
  version: '2.0';
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  pathParameters?: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    authorizer?: { jwt: { claims: Record<string, string>; scopes: string[] | null } };
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: string;
    stage: string;
    time: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

export interface IncomingApiRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  sourceIp: string;
}

const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|xml)|[^;]*\+json)/i;

/**
 * Builds the event API Gateway would send: lowercase headers with repeated values
 * comma-joined, cookies split out, empty parts omitted, a text body as is and anything
 * else base64-encoded, and the `X-Forwarded-*` headers the gateway adds.
 */
export function httpApiEvent(
  request: IncomingApiRequest,
  route: { routeKey: string; pathParameters?: Record<string, string> },
  api: { apiId: string; accountId: string; domainName: string },
  authorizer?: { claims: Record<string, string>; scopes: string[] | null },
): HttpApiEvent {
  const url = new URL(request.url, 'http://gateway');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  Object.assign(headers, { 'x-forwarded-for': request.sourceIp, 'x-forwarded-port': '443', 'x-forwarded-proto': 'https' });
  const cookies = request.headers.cookie?.split(/;\s*/).filter(Boolean);
  const query = [...url.searchParams.keys()].length ? Object.fromEntries([...new Set(url.searchParams.keys())].map((key) => [key, url.searchParams.getAll(key).join(',')])) : undefined;
  const now = new Date();
  const text = TEXT_TYPES.test(headers['content-type'] ?? '');
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    ...(route.pathParameters && Object.keys(route.pathParameters).length ? { pathParameters: route.pathParameters } : {}),
    requestContext: {
      accountId: api.accountId,
      apiId: api.apiId,
      ...(authorizer ? { authorizer: { jwt: authorizer } } : {}),
      domainName: api.domainName,
      domainPrefix: api.domainName.split('.')[0] ?? api.domainName,
      http: { method: request.method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: request.sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId: randomBytes(12).toString('base64url'),
      routeKey: route.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(request.body.length ? { body: text ? request.body.toString('utf8') : request.body.toString('base64') } : {}),
    isBase64Encoded: request.body.length > 0 && !text,
  };
}
