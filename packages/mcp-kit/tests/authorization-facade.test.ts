import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { SignJWT } from 'jose';
import { jsonRpcBody, MCP_HEADERS, rpc, startTestGovernance, startTestIssuer, testConfig, testService, type TestGovernance, type TestIssuer } from './support/harness';
import type { McpService } from '../src/platform';

let issuer: TestIssuer;
let governance: TestGovernance;
let provider: { url: string; forwarded: { body: string; authorization?: string }[]; status: number; server: Server };

beforeAll(async () => {
  issuer = await startTestIssuer();
  governance = await startTestGovernance();
  // The identity provider's token endpoint, as far as the façade can tell: it records what arrives.
  const forwarded: { body: string; authorization?: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      forwarded.push({ body, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
      res.writeHead(provider.status, { 'content-type': 'application/json' }).end(JSON.stringify(provider.status === 200 ? { access_token: 'from-the-provider', token_type: 'Bearer', expires_in: 3600 } : { error: 'invalid_grant' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  provider = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, forwarded, status: 200, server };
});
afterAll(async () => {
  await issuer.stop();
  await governance.stop();
  await new Promise<void>((resolve) => provider.server.close(() => resolve()));
});

const REDIRECTS = 'https://claude.ai/api/mcp/auth_callback,http://127.0.0.1/callback';
const PREFIX = 'api://gmcp-test/echo/';

function facadeService(env: Record<string, string> = {}): McpService {
  return testService(
    testConfig(issuer.issuer.issuer, {
      PUBLIC_URL: 'https://mcp.example.com',
      ALLOWED_HOSTS: '127.0.0.1',
      AUTH_SCOPE_PREFIX: PREFIX,
      AUTH_FACADE_AUTHORIZATION_ENDPOINT: 'https://login.example.com/oauth2/v2.0/authorize',
      AUTH_FACADE_TOKEN_ENDPOINT: `${provider.url}/token`,
      AUTH_FACADE_CLIENT_ID: 'gmcp-assistants',
      AUTH_FACADE_REDIRECT_URIS: REDIRECTS,
      AUTH_FACADE_RESOURCE_PARAMETER: 'omit',
      ...env,
    }),
    { calls: 0 },
    governance.adapters,
  );
}

const authorizeQuery = (overrides: Record<string, string> = {}) =>
  new URLSearchParams({
    client_id: 'gmcp-assistants',
    response_type: 'code',
    redirect_uri: 'http://127.0.0.1:53117/callback',
    scope: 'echo:read admin:read offline_access',
    state: 's1',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    resource: 'https://mcp.example.com/mcp',
    ...overrides,
  });

describe('the authorization façade', () => {
  let service: McpService;
  beforeEach(() => {
    service = facadeService();
    provider.forwarded.length = 0;
    provider.status = 200;
  });
  afterEach(() => service.close());

  it('is where the protected-resource metadata sends clients, and its RFC 8414 metadata has what MCP clients need', async () => {
    const prm = await request(service.app).get('/.well-known/oauth-protected-resource/mcp').expect(200);
    expect(prm.body.authorization_servers).toEqual(['https://mcp.example.com']);
    const metadata = await request(service.app).get('/.well-known/oauth-authorization-server').expect(200);
    expect(metadata.body).toEqual({
      issuer: 'https://mcp.example.com',
      authorization_endpoint: 'https://mcp.example.com/oauth/authorize',
      token_endpoint: 'https://mcp.example.com/oauth/token',
      registration_endpoint: 'https://mcp.example.com/oauth/register',
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none'],
      authorization_response_iss_parameter_supported: true,
      scopes_supported: ['admin:read', 'echo:read'],
    });
    expect(metadata.headers['access-control-allow-origin']).toBe('*');
  });

  it('answers a registration with the pre-registered public client, for redirect URIs it allows', async () => {
    const registered = await request(service.app).post('/oauth/register').send({ client_name: 'Claude Code', redirect_uris: ['http://127.0.0.1:41999/callback'] }).expect(201);
    expect(registered.body).toMatchObject({ client_id: 'gmcp-assistants', token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1:41999/callback'], client_name: 'Claude Code' });

    const unknown = await request(service.app).post('/oauth/register').send({ redirect_uris: ['https://evil.example/cb'] }).expect(400);
    expect(unknown.body).toMatchObject({ error: 'invalid_redirect_uri' });
    expect(unknown.body.error_description).toContain('https://evil.example/cb');
    const secret = await request(service.app).post('/oauth/register').send({ redirect_uris: ['https://claude.ai/api/mcp/auth_callback'], token_endpoint_auth_method: 'client_secret_basic' }).expect(400);
    expect(secret.body.error).toBe('invalid_client_metadata');
    expect((await request(service.app).post('/oauth/register').send({}).expect(400)).body.error).toBe('invalid_redirect_uri');
    const unreadable = await request(service.app).post('/oauth/register').set('content-type', 'application/json').send('{"redirect_uris": [').expect(400);
    expect(unreadable.body.error).toBe('invalid_client_metadata');
  });

  it('sends the browser on to the provider with its own callback, without the resource it refuses, with its names for the scopes', async () => {
    const response = await request(service.app).get(`/oauth/authorize?${authorizeQuery()}`).expect(302);
    const location = new URL(response.headers.location!);
    expect(location.origin + location.pathname).toBe('https://login.example.com/oauth2/v2.0/authorize');
    expect(location.searchParams.has('resource')).toBe(false);
    expect(location.searchParams.get('scope')).toBe(`${PREFIX}echo:read ${PREFIX}admin:read offline_access`);
    expect(location.searchParams.get('redirect_uri')).toBe('https://mcp.example.com/oauth/callback');
    expect(location.searchParams.get('state')).not.toBe('s1');
    for (const name of ['client_id', 'code_challenge', 'code_challenge_method', 'response_type']) {
      expect(location.searchParams.get(name)).toBe(authorizeQuery().get(name));
    }
  });

  it("brings the provider's answer back to the client, with its state and the façade's iss (RFC 9207)", async () => {
    const out = new URL((await request(service.app).get(`/oauth/authorize?${authorizeQuery()}`)).headers.location!);
    const state = out.searchParams.get('state')!;
    const back = await request(service.app).get(`/oauth/callback?code=abc&state=${state}`).expect(302);
    const location = new URL(back.headers.location!);
    expect(location.origin + location.pathname).toBe('http://127.0.0.1:53117/callback');
    expect(Object.fromEntries(location.searchParams)).toEqual({ code: 'abc', state: 's1', iss: 'https://mcp.example.com' });

    // An answer whose iss names another provider goes back as an error (mix-up), and one with the provider's own passes.
    const mixedUp = new URL((await request(service.app).get(`/oauth/callback?code=abc&state=${state}&iss=${encodeURIComponent('https://evil.example')}`)).headers.location!);
    expect(Object.fromEntries(mixedUp.searchParams)).toMatchObject({ error: 'invalid_request', state: 's1' });
    expect(mixedUp.searchParams.has('code')).toBe(false);
    const own = new URL((await request(service.app).get(`/oauth/callback?code=abc&state=${state}&iss=${encodeURIComponent(issuer.issuer.issuer)}`)).headers.location!);
    expect(own.searchParams.get('code')).toBe('abc');
    const denied = new URL((await request(service.app).get(`/oauth/callback?error=access_denied&error_description=no&state=${state}`)).headers.location!);
    expect(Object.fromEntries(denied.searchParams)).toEqual({ error: 'access_denied', error_description: 'no', state: 's1', iss: 'https://mcp.example.com' });

    // A state it did not make, or one naming a redirect URI it does not allow, is refused on the spot.
    await request(service.app).get('/oauth/callback?code=abc&state=garbage').expect(400);
    const forged = Buffer.from(JSON.stringify({ redirectUri: 'https://evil.example/cb', state: 'x' })).toString('base64url');
    const refused = await request(service.app).get(`/oauth/callback?code=abc&state=${forged}`).expect(400);
    expect(refused.headers.location).toBeUndefined();
    expect(refused.headers['x-content-type-options']).toBe('nosniff');
  });

  it('forwards the resource to a provider that takes it', async () => {
    const forwarding = facadeService({ AUTH_FACADE_RESOURCE_PARAMETER: 'forward', AUTH_SCOPE_PREFIX: '' });
    const response = await request(forwarding.app).get(`/oauth/authorize?${authorizeQuery()}`).expect(302);
    expect(new URL(response.headers.location!).searchParams.get('resource')).toBe('https://mcp.example.com/mcp');
    expect(new URL(response.headers.location!).searchParams.get('scope')).toBe('echo:read admin:read offline_access');
    await forwarding.close();
  });

  it('refuses on its own page an unknown client, redirect URI or a repeated parameter, and sends other errors back with the state', async () => {
    await request(service.app).get(`/oauth/authorize?${authorizeQuery({ client_id: 'someone-else' })}`).expect(400);
    const stray = await request(service.app).get(`/oauth/authorize?${authorizeQuery({ redirect_uri: 'https://evil.example/cb' })}`).expect(400);
    expect(stray.headers.location).toBeUndefined();
    const twice = authorizeQuery();
    twice.append('resource', 'https://other.example.com/mcp');
    expect((await request(service.app).get(`/oauth/authorize?${twice}`).expect(400)).text).toContain('resource is given more than once');
    for (const [overrides, error] of [
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge: '' }, 'invalid_request'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ resource: 'https://other.example.com/mcp' }, 'invalid_target'],
      [{ scope: 'echo:read tickets:write' }, 'invalid_scope'],
    ] as const) {
      const response = await request(service.app).get(`/oauth/authorize?${authorizeQuery(overrides)}`).expect(302);
      const location = new URL(response.headers.location!);
      expect(location.href.startsWith('http://127.0.0.1:53117/callback?')).toBe(true);
      expect(location.searchParams.get('error')).toBe(error);
      expect(location.searchParams.get('state')).toBe('s1');
      expect(location.searchParams.get('iss')).toBe('https://mcp.example.com');
    }
  });

  it('relays code and refresh-token requests only, from its one client, with its callback, without the resource, with the provider’s scope names', async () => {
    const response = await request(service.app)
      .post('/oauth/token')
      .type('form')
      .set('authorization', 'Basic c3RvbGVuOnNlY3JldA==')
      .send({ grant_type: 'authorization_code', code: 'c1', code_verifier: 'v'.repeat(43), redirect_uri: 'http://127.0.0.1:53117/callback', client_id: 'gmcp-assistants', resource: 'https://mcp.example.com/mcp', extra: 'x' })
      .expect(200);
    expect(response.body).toEqual({ access_token: 'from-the-provider', token_type: 'Bearer', expires_in: 3600 });
    expect(response.headers['cache-control']).toBe('no-store');
    expect(Object.fromEntries(new URLSearchParams(provider.forwarded[0]!.body))).toEqual({ grant_type: 'authorization_code', code: 'c1', code_verifier: 'v'.repeat(43), redirect_uri: 'https://mcp.example.com/oauth/callback', client_id: 'gmcp-assistants' });
    expect(provider.forwarded[0]!.authorization).toBeUndefined();

    await request(service.app).post('/oauth/token').type('form').send({ grant_type: 'refresh_token', refresh_token: 'r1', client_id: 'gmcp-assistants', scope: 'echo:read' }).expect(200);
    expect(Object.fromEntries(new URLSearchParams(provider.forwarded[1]!.body))).toEqual({ grant_type: 'refresh_token', refresh_token: 'r1', client_id: 'gmcp-assistants', scope: `${PREFIX}echo:read` });

    provider.status = 400;
    const refused = await request(service.app).post('/oauth/token').type('form').send({ grant_type: 'refresh_token', refresh_token: 'x', client_id: 'gmcp-assistants' }).expect(400);
    expect(refused.body).toEqual({ error: 'invalid_grant' });
    expect(provider.forwarded).toHaveLength(3);
  });

  it.each<[string, Record<string, string | string[]>, number, string]>([
    ['a password grant', { grant_type: 'password', username: 'alice', password: 'x', client_id: 'gmcp-assistants' }, 400, 'unsupported_grant_type'],
    ['client credentials', { grant_type: 'client_credentials', client_id: 'gmcp-assistants' }, 400, 'unsupported_grant_type'],
    ['no client', { grant_type: 'refresh_token', refresh_token: 'r1' }, 401, 'invalid_client'],
    ['another client', { grant_type: 'refresh_token', refresh_token: 'r1', client_id: 'other' }, 401, 'invalid_client'],
    ['a repeated parameter', { grant_type: 'refresh_token', refresh_token: ['r1', 'r2'], client_id: 'gmcp-assistants' }, 400, 'invalid_request'],
    ['a scope of another server', { grant_type: 'refresh_token', refresh_token: 'r1', client_id: 'gmcp-assistants', scope: 'tickets:write' }, 400, 'invalid_scope'],
    ['a redirect URI it does not allow', { grant_type: 'authorization_code', code: 'c', client_id: 'gmcp-assistants', redirect_uri: 'https://evil.example/cb' }, 400, 'invalid_grant'],
  ])('refuses to relay %s, and the provider never hears of it', async (_label, form, status, error) => {
    const response = await request(service.app).post('/oauth/token').type('form').send(new URLSearchParams(Object.entries(form).flatMap(([name, value]) => [value].flat().map((one) => [name, one]))).toString()).expect(status);
    expect(response.body.error).toBe(error);
    expect(provider.forwarded).toHaveLength(0);
  });

  it('answers 503 temporarily_unavailable when the provider does not answer', async () => {
    const down = facadeService({ AUTH_FACADE_TOKEN_ENDPOINT: 'http://127.0.0.1:1/token' });
    const response = await request(down.app).post('/oauth/token').type('form').send({ grant_type: 'refresh_token', refresh_token: 'x', client_id: 'gmcp-assistants' }).expect(503);
    expect(response.body.error).toBe('temporarily_unavailable');
    await down.close();
  });

  it('refuses a half-configured façade at start-up, naming what is missing', () => {
    expect(() => testConfig(issuer.issuer.issuer, { AUTH_FACADE_CLIENT_ID: 'x' })).toThrow(/AUTH_FACADE_AUTHORIZATION_ENDPOINT, AUTH_FACADE_TOKEN_ENDPOINT, AUTH_FACADE_REDIRECT_URIS/);
  });
});

describe("identity providers' token shapes", () => {
  const tokenWith = (claims: Record<string, unknown>) =>
    new SignJWT({ iss: issuer.issuer.issuer, sub: 'alice', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: issuer.key.kid })
      .sign(issuer.key.privateKey);
  const list = (service: McpService, token: string) => request(service.app).post('/mcp').set(MCP_HEADERS).set('Authorization', `Bearer ${token}`).send(rpc('tools/list'));

  it('reads scopes named with the provider prefix as the server’s own (Entra, Cognito)', async () => {
    const service = testService(testConfig(issuer.issuer.issuer, { AUTH_SCOPE_PREFIX: 'gmcp-dev-echo/' }), { calls: 0 }, governance.adapters);
    const response = await list(service, await tokenWith({ aud: 'http://127.0.0.1:9999/mcp', scope: 'gmcp-dev-echo/echo:read', cid: 'okta-client' }));
    expect(response.status).toBe(200);
    const { result } = jsonRpcBody(response);
    expect((result?.tools as { name: string }[]).map((tool) => tool.name)).toContain('echo');
    await service.close();
  });

  it('takes the client a token was issued to as its audience when the provider writes none (Cognito)', async () => {
    const service = testService(testConfig(issuer.issuer.issuer, { AUTH_AUDIENCE_CLAIM: 'client_id', AUTH_AUDIENCE: 'cognito-app-client-echo' }), { calls: 0 }, governance.adapters);
    expect((await list(service, await tokenWith({ client_id: 'cognito-app-client-echo', scope: 'echo:read' }))).status).toBe(200);
    const otherClient = await list(service, await tokenWith({ client_id: 'cognito-app-client-other', scope: 'echo:read' }));
    expect(otherClient.status).toBe(401);
    expect(otherClient.headers['www-authenticate']).toContain('error="invalid_token"');
    // A token that does name an audience is not this server's by its client id alone.
    expect((await list(service, await tokenWith({ aud: 'http://elsewhere/mcp', client_id: 'cognito-app-client-echo', scope: 'echo:read' }))).status).toBe(401);
    await service.close();
  });
});
