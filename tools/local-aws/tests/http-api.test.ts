import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { loadOrCreateSigningKey, mintAccessToken, startDevIssuer, type DevIssuer, type SigningKey } from '@gmcp/dev-issuer';
import {
  createJwtAuthorizer,
  httpApiEvent,
  startHttpApiTestEndpoint,
  startLambdaProcess,
  type HttpApiEvent,
  type HttpApiTestEndpoint,
  type Invocation,
  type LambdaProcess,
} from '../src';

const AUDIENCE = 'https://api.example.com/mcp';

let dir: string;
let key: SigningKey;
let issuer: DevIssuer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'http-api-test-'));
  key = await loadOrCreateSigningKey(join(dir, 'key.json'));
  issuer = await startDevIssuer(key, { port: 0 });
});
afterAll(async () => {
  await issuer.stop();
  await rm(dir, { recursive: true, force: true });
});

const token = (options: { audience?: string; scopes?: string[]; clientId?: string; subject?: string } = {}) =>
  mintAccessToken(key, {
    issuer: issuer.issuer,
    subject: options.subject ?? 'alice',
    audience: options.audience ?? AUDIENCE,
    scopes: options.scopes ?? ['mcp:use'],
    clientId: options.clientId ?? 'dev-cli',
    ttlSeconds: 300,
  });

/** Signs claims with jose directly (for shapes mintAccessToken cannot produce). */
const signed = (claims: JWTPayload, options: { alg?: string; key?: CryptoKey | Uint8Array; iat?: number; exp?: number } = {}) => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: key.kid, typ: 'at+jwt' })
    .setIssuer(issuer.issuer)
    .setSubject('alice')
    .setIssuedAt(options.iat ?? now)
    .setExpirationTime(options.exp ?? now + 300)
    .sign(options.key ?? key.privateKey);
};

describe('createJwtAuthorizer (with the dev issuer)', () => {
  const authorize = () => createJwtAuthorizer({ issuer: issuer.issuer, audiences: [AUDIENCE, 'approval-console'] });

  it('accepts a valid token: claims as strings, scopes = the route scopes the token holds', async () => {
    const verdict = await authorize()(`Bearer ${await token({ scopes: ['mcp:use', 'approvals:decide', 'other'] })}`, ['approvals:decide', 'mcp:use', 'admin']);
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.scopes).toEqual(['approvals:decide', 'mcp:use']);
    expect(verdict.claims).toMatchObject({ iss: issuer.issuer, sub: 'alice', aud: AUDIENCE, client_id: 'dev-cli', scope: 'mcp:use approvals:decide other' });
    expect(verdict.claims.exp).toMatch(/^\d{10}$/);
    expect(Number(verdict.claims.exp)).toBeGreaterThan(Date.now() / 1000);
    for (const value of Object.values(verdict.claims)) expect(typeof value).toBe('string');
  });

  it('gives null scopes on a route that requires none, and accepts the scheme in any case', async () => {
    const verdict = await authorize()(`bearer ${await token({ scopes: [] })}`, []);
    expect(verdict).toMatchObject({ ok: true, scopes: null });
  });

  it('reads scopes from an `scp` array, and stringifies array claims as "[a b]"', async () => {
    const jwt = await signed({ aud: [AUDIENCE, 'another'], scp: ['mcp:use', 'x'] });
    const verdict = await authorize()(`Bearer ${jwt}`, ['mcp:use']);
    expect(verdict).toMatchObject({ ok: true, scopes: ['mcp:use'], claims: { aud: `[${AUDIENCE} another]`, scp: '[mcp:use x]' } });
  });

  it('refuses a token for another audience with 401', async () => {
    expect(await authorize()(`Bearer ${await token({ audience: 'https://other.example.com/mcp' })}`, ['mcp:use'])).toEqual({ ok: false, status: 401, message: 'Unauthorized' });
  });

  it('matches client_id when the token has no aud', async () => {
    const verdict = await authorize()(`Bearer ${await signed({ client_id: 'approval-console', scope: 'mcp:use' })}`, ['mcp:use']);
    expect(verdict).toMatchObject({ ok: true, claims: { client_id: 'approval-console' } });
    expect(await authorize()(`Bearer ${await signed({ client_id: 'claude-desktop', scope: 'mcp:use' })}`, ['mcp:use'])).toMatchObject({ ok: false, status: 401 });
    // With an aud, client_id is not consulted.
    expect(await authorize()(`Bearer ${await signed({ aud: 'https://other.example.com', client_id: 'approval-console', scope: 'mcp:use' })}`, ['mcp:use'])).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses an expired token, and one issued in the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await authorize()(`Bearer ${await signed({ aud: AUDIENCE, scope: 'mcp:use' }, { iat: now - 600, exp: now - 120 })}`, ['mcp:use'])).toMatchObject({ ok: false, status: 401 });
    expect(await authorize()(`Bearer ${await signed({ aud: AUDIENCE, scope: 'mcp:use' }, { iat: now + 600, exp: now + 900 })}`, ['mcp:use'])).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses ES256 and HS256 tokens, and an RS256 token signed by another key', async () => {
    const claims = { aud: AUDIENCE, scope: 'mcp:use' };
    const ec = await generateKeyPair('ES256');
    const rsa = await generateKeyPair('RS256');
    const tokens = [
      await signed(claims, { alg: 'ES256', key: ec.privateKey }),
      await signed(claims, { alg: 'HS256', key: new TextEncoder().encode('a-shared-secret-of-32-bytes-long!') }),
      await signed(claims, { key: rsa.privateKey }),
    ];
    for (const jwt of tokens) expect(await authorize()(`Bearer ${jwt}`, ['mcp:use'])).toEqual({ ok: false, status: 401, message: 'Unauthorized' });
    // The control: the same claims with the issuer's key pass.
    expect(await authorize()(`Bearer ${await signed(claims)}`, ['mcp:use'])).toMatchObject({ ok: true });
  });

  it('refuses a token from another issuer', async () => {
    const other = await new SignJWT({ aud: AUDIENCE, scope: 'mcp:use' })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setIssuer('http://127.0.0.1:1')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key.privateKey);
    expect(await authorize()(`Bearer ${other}`, [])).toMatchObject({ ok: false, status: 401 });
  });

  it('answers 403 when the token holds none of the route scopes', async () => {
    expect(await authorize()(`Bearer ${await token({ scopes: ['other'] })}`, ['mcp:use'])).toEqual({ ok: false, status: 403, message: 'Forbidden' });
  });

  it('answers 401 without a token, with an empty one, or with garbage', async () => {
    const authorizer = authorize();
    for (const header of [undefined, '', 'Bearer ', 'Bearer not.a.jwt', 'Basic YWxpY2U6c2VjcmV0']) {
      expect(await authorizer(header, ['mcp:use'])).toEqual({ ok: false, status: 401, message: 'Unauthorized' });
    }
  });
});

describe('httpApiEvent', () => {
  const api = { apiId: 'abc123', accountId: '111122223333', domainName: 'abc123.execute-api.eu-west-1.amazonaws.com' };
  const build = (request: Partial<Parameters<typeof httpApiEvent>[0]> = {}, route: Parameters<typeof httpApiEvent>[1] = { routeKey: 'POST /mcp' }, authorizer?: Parameters<typeof httpApiEvent>[3]) =>
    httpApiEvent({ method: 'POST', url: '/mcp', headers: {}, body: Buffer.alloc(0), sourceIp: '203.0.113.9', ...request }, route, api, authorizer);

  it('lowercases header names, comma-joins repeated values and splits cookies out', () => {
    const event = build({ headers: { 'X-Custom-Header': 'One', 'x-multi': ['application/json', 'text/event-stream'], cookie: 'session=abc; theme=dark', 'user-agent': 'probe/1.0' } });
    expect(event.headers).toMatchObject({ 'x-custom-header': 'One', 'x-multi': 'application/json,text/event-stream', 'user-agent': 'probe/1.0' });
    expect(event.headers).not.toHaveProperty('X-Custom-Header');
    expect(event.headers).not.toHaveProperty('cookie');
    expect(event.cookies).toEqual(['session=abc', 'theme=dark']);
    expect(event.requestContext.http.userAgent).toBe('probe/1.0');
  });

  it('sets the forwarded headers to the gateway view: the source ip, port 443, https', () => {
    const event = build();
    expect(event.headers).toMatchObject({ 'x-forwarded-for': '203.0.113.9', 'x-forwarded-port': '443', 'x-forwarded-proto': 'https' });
    expect(event.requestContext.http).toMatchObject({ method: 'POST', path: '/mcp', sourceIp: '203.0.113.9', protocol: 'HTTP/1.1' });
    expect(event).not.toHaveProperty('cookies');
  });

  it('comma-joins repeated query keys and keeps the raw query string', () => {
    const event = build({ method: 'GET', url: '/items?tag=a&tag=b&limit=10' }, { routeKey: 'GET /items' });
    expect(event.rawPath).toBe('/items');
    expect(event.rawQueryString).toBe('tag=a&tag=b&limit=10');
    expect(event.queryStringParameters).toEqual({ tag: 'a,b', limit: '10' });
    expect(build()).not.toHaveProperty('queryStringParameters');
  });

  it('passes a JSON body as text, and a binary body base64-encoded', () => {
    const json = build({ headers: { 'content-type': 'application/json; charset=utf-8' }, body: Buffer.from('{"jsonrpc":"2.0"}') });
    expect(json).toMatchObject({ body: '{"jsonrpc":"2.0"}', isBase64Encoded: false });
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const binary = build({ headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    expect(binary.isBase64Encoded).toBe(true);
    expect(Buffer.from(binary.body!, 'base64')).toEqual(bytes);
    const empty = build();
    expect(empty).not.toHaveProperty('body');
    expect(empty.isBase64Encoded).toBe(false);
  });

  it('adds path parameters only when the route has some', () => {
    expect(build({ method: 'GET', url: '/approvals/42' }, { routeKey: 'GET /approvals/{id}', pathParameters: { id: '42' } }).pathParameters).toEqual({ id: '42' });
    expect(build({}, { routeKey: 'POST /mcp', pathParameters: {} })).not.toHaveProperty('pathParameters');
    expect(build()).not.toHaveProperty('pathParameters');
  });

  it('fills the request context, with the authorizer only when given', () => {
    const event = build({}, { routeKey: 'POST /mcp' }, { claims: { sub: 'alice' }, scopes: ['mcp:use'] });
    expect(event.requestContext).toMatchObject({
      accountId: '111122223333',
      apiId: 'abc123',
      domainName: api.domainName,
      domainPrefix: 'abc123',
      routeKey: 'POST /mcp',
      stage: '$default',
      authorizer: { jwt: { claims: { sub: 'alice' }, scopes: ['mcp:use'] } },
    });
    expect(event.version).toBe('2.0');
    expect(build().requestContext).not.toHaveProperty('authorizer');
  });
});

describe('startHttpApiTestEndpoint (in-process invoke)', () => {
  let endpoint: HttpApiTestEndpoint;
  const received: HttpApiEvent[] = [];
  const ok = (result: unknown): Invocation => ({ ok: true, result, durationMs: 1, sinceStartMs: 1, cpuSinceStartMs: 1 });

  beforeAll(async () => {
    endpoint = await startHttpApiTestEndpoint({
      authorizer: { issuer: issuer.issuer, audiences: [AUDIENCE] },
      routes: [
        { route: 'GET /public', auth: false },
        { route: 'GET /.well-known/oauth-protected-resource', auth: false },
        { route: 'POST /mcp', auth: { scopes: ['mcp:use'] } },
        { route: 'GET /items/{id}', auth: false },
        { route: 'GET /fails', auth: false },
        { route: 'GET /throws', auth: false },
        { route: 'GET /plain', auth: false },
        { route: 'GET /cookies', auth: false },
      ],
      invoke: async (event) => {
        const e = event as HttpApiEvent;
        received.push(e);
        switch (e.routeKey) {
          case 'GET /fails':
            return { ok: false, error: { errorType: 'Error', errorMessage: 'secret detail' }, durationMs: 1 };
          case 'GET /throws':
            throw new Error('the invoke itself failed');
          case 'GET /plain':
            return ok({ hello: 'world' });
          case 'GET /cookies':
            return ok({ statusCode: 201, headers: { 'content-type': 'text/plain' }, cookies: ['a=1; Path=/', 'b=2; HttpOnly'], body: 'made' });
          default:
            return ok({ statusCode: 200, headers: { 'content-type': 'application/json', 'x-route': e.routeKey }, body: JSON.stringify({ route: e.routeKey, path: e.pathParameters ?? null }) });
        }
      },
    });
  });
  afterAll(() => endpoint.stop());

  const lastEvent = () => received[received.length - 1]!;

  it('answers 404 {"message":"Not Found"} for an unknown route or method, without invoking', async () => {
    const before = received.length;
    for (const [method, path] of [['GET', '/nowhere'], ['DELETE', '/public'], ['GET', '/items/1/extra']] as const) {
      const response = await fetch(`${endpoint.url}${path}`, { method });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ message: 'Not Found' });
    }
    expect(received.length).toBe(before);
  });

  it('matches route templates literally: a look-alike path is not the route', async () => {
    const before = received.length;
    const response = await fetch(`${endpoint.url}/Xwell-known/oauth-protected-resource`);
    expect(response.status).toBe(404);
    expect(received.length).toBe(before);
    expect((await fetch(`${endpoint.url}/.well-known/oauth-protected-resource`)).status).toBe(200);
    expect(received.length).toBe(before + 1);
  });

  it('invokes a public route without authorizer context, with path parameters decoded', async () => {
    const response = await fetch(`${endpoint.url}/items/a%20b`, { headers: { authorization: `Bearer ${await token()}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-route')).toBe('GET /items/{id}');
    expect(await response.json()).toEqual({ route: 'GET /items/{id}', path: { id: 'a b' } });
    expect(lastEvent().requestContext).not.toHaveProperty('authorizer');
    expect(lastEvent().requestContext.http.sourceIp).toBe('127.0.0.1');
    expect(endpoint.events[endpoint.events.length - 1]).toBe(lastEvent());
  });

  it('invokes a protected route with the JWT claims and scopes in the request context', async () => {
    const jwt = await token({ subject: 'bob', scopes: ['mcp:use', 'unrelated'] });
    const response = await fetch(`${endpoint.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
    expect(response.status).toBe(200);
    const event = lastEvent();
    expect(event.requestContext.authorizer?.jwt.scopes).toEqual(['mcp:use']);
    expect(event.requestContext.authorizer?.jwt.claims).toMatchObject({ sub: 'bob', aud: AUDIENCE, iss: issuer.issuer });
    expect(event.headers.authorization).toBe(`Bearer ${jwt}`);
    expect(event).toMatchObject({ body: '{"jsonrpc":"2.0","id":1,"method":"ping"}', isBase64Encoded: false });
  });

  it('refuses a protected route itself: 401 with a Bearer challenge, 403 without the scope, nothing invoked', async () => {
    const before = received.length;
    const none = await fetch(`${endpoint.url}/mcp`, { method: 'POST' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.json()).toEqual({ message: 'Unauthorized' });
    const forbidden = await fetch(`${endpoint.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${await token({ scopes: ['other'] })}` } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toBeNull();
    expect(await forbidden.json()).toEqual({ message: 'Forbidden' });
    expect(received.length).toBe(before);
  });

  it('answers 500 {"message":"Internal Server Error"} when the function fails or the invoke throws, hiding the detail', async () => {
    for (const path of ['/fails', '/throws']) {
      const response = await fetch(`${endpoint.url}${path}`);
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ message: 'Internal Server Error' });
      expect(text).not.toMatch(/secret detail|invoke itself/);
    }
  });

  it('treats a result without statusCode as a 200 JSON body', async () => {
    const response = await fetch(`${endpoint.url}/plain`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ hello: 'world' });
  });

  it('turns the result cookies into set-cookie headers', async () => {
    const response = await fetch(`${endpoint.url}/cookies`);
    expect(response.status).toBe(201);
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
    expect(await response.text()).toBe('made');
  });
});

describe('startLambdaProcess', () => {
  const BUNDLE = `
export const handler = async (event, context) => {
  console.log('handling ' + JSON.stringify(event));
  console.error('a line on stderr');
  return { event, x: process.env.X ?? null, keys: Object.keys(process.env).sort(), requestId: context.awsRequestId };
};
export const broken = async () => {
  const error = new Error('the handler broke');
  error.name = 'ValidationError';
  throw error;
};
export const exits = () => process.exit(3);
export const notAFunction = 42;
`;
  let bundle: string;
  let lambda: LambdaProcess;

  beforeAll(async () => {
    bundle = join(dir, 'bundle.mjs');
    await writeFile(bundle, BUNDLE);
    process.env.GMCP_PARENT_ONLY = 'must-not-leak';
    try {
      lambda = await startLambdaProcess(bundle, { X: 'from-env', AWS_REGION: 'eu-west-1' }, { silent: true });
    } finally {
      delete process.env.GMCP_PARENT_ONLY;
    }
  });
  afterAll(() => lambda.stop());

  it('loads the bundle and lists its exports', () => {
    expect([...lambda.exports].sort()).toEqual(['broken', 'exits', 'handler', 'notAFunction']);
    expect(lambda.loadedMs).toBeGreaterThan(0);
  });

  it('runs the handler with exactly the given environment (plus PATH)', async () => {
    const invocation = await lambda.invoke<{ event: unknown; x: string; keys: string[]; requestId: string }>('handler', { n: 1, nested: { a: [1, 2] } });
    expect(invocation.ok).toBe(true);
    if (!invocation.ok) return;
    expect(invocation.result.event).toEqual({ n: 1, nested: { a: [1, 2] } });
    expect(invocation.result.x).toBe('from-env');
    expect(invocation.result.keys).not.toContain('GMCP_PARENT_ONLY');
    expect(invocation.result.keys).not.toContain('HOME');
    expect(invocation.result.keys).toEqual(['AWS_REGION', 'PATH', 'X']);
    expect(invocation.result.requestId).toMatch(/^local-\d+$/);
    expect(invocation.durationMs).toBeGreaterThanOrEqual(0);
    expect(invocation.sinceStartMs).toBeGreaterThanOrEqual(invocation.durationMs);
    // Importing the module alone takes some CPU; the process's CPU time since it started covers it.
    expect(lambda.loadCpuMs).toBeGreaterThan(0);
    expect(invocation.cpuSinceStartMs).toBeGreaterThanOrEqual(lambda.loadCpuMs);
  });

  it('answers concurrent invocations each with its own result', async () => {
    const results = await Promise.all([1, 2, 3].map((n) => lambda.invoke<{ event: { n: number } }>('handler', { n })));
    expect(results.map((invocation) => (invocation.ok ? invocation.result.event.n : undefined))).toEqual([1, 2, 3]);
  });

  it('reports a thrown error with its type and message', async () => {
    const invocation = await lambda.invoke('broken', {});
    expect(invocation).toMatchObject({ ok: false, error: { errorType: 'ValidationError', errorMessage: 'the handler broke' } });
  });

  it('reports Runtime.HandlerNotFound for a missing export or one that is not a function', async () => {
    for (const name of ['missing', 'notAFunction']) {
      expect(await lambda.invoke(name, {})).toMatchObject({ ok: false, error: { errorType: 'Runtime.HandlerNotFound', errorMessage: `${name} is not exported` } });
    }
  });

  it('captures stdout and stderr line by line when silent', async () => {
    await lambda.invoke('handler', { marker: 'log-probe' });
    const deadline = Date.now() + 5000;
    while (!lambda.logs().some((line) => line.includes('log-probe')) && Date.now() < deadline) await new Promise((settle) => setTimeout(settle, 20));
    expect(lambda.logs()).toContain('handling {"marker":"log-probe"}');
    expect(lambda.logs()).toContain('a line on stderr');
  });

  it('settles an invocation whose process exits with Runtime.ExitError', async () => {
    const other = await startLambdaProcess(bundle, {}, { silent: true });
    try {
      expect(await other.invoke('exits', {})).toMatchObject({ ok: false, error: { errorType: 'Runtime.ExitError' } });
    } finally {
      await other.stop();
    }
  });

  it('settles an invoke made after the process exited, or after stop, with Runtime.ExitError', async () => {
    const other = await startLambdaProcess(bundle, { AWS_REGION: 'us-east-1' }, { silent: true });
    expect(await other.invoke('exits', {})).toMatchObject({ ok: false, error: { errorType: 'Runtime.ExitError' } });
    expect(await other.invoke('handler', {})).toMatchObject({ ok: false, error: { errorType: 'Runtime.ExitError' } });
    expect(await other.invoke('handler', {})).toMatchObject({ ok: false, error: { errorType: 'Runtime.ExitError' } });
    await other.stop();
  });

  it('rejects when the bundle throws at import, with the error text', async () => {
    const failing = join(dir, 'failing.mjs');
    await writeFile(failing, "console.log('starting');\nthrow new TypeError('SOME_SETTING is missing');\n");
    await expect(startLambdaProcess(failing, {}, { silent: true })).rejects.toThrow(/failed to load: TypeError: SOME_SETTING is missing/);
  });
});
