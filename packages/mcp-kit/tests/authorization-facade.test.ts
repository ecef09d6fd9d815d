import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { SignJWT } from 'jose';
import { jsonRpcBody, MCP_HEADERS, rpc, startTestGovernance, startTestIssuer, testConfig, testService, type TestGovernance, type TestIssuer } from './support/harness';
import type { McpService } from '../src';

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
      scopes_supported: ['admin:read', 'echo:read'],
    });
    expect(metadata.headers['access-control-allow-origin']).toBe('*');
  });

  it('answers a registration with the pre-registered public client, for redirect URIs registered at the provider', async () => {
    const registered = await request(service.app).post('/oauth/register').send({ client_name: 'Claude Code', redirect_uris: ['http://127.0.0.1:41999/callback'] }).expect(201);
    expect(registered.body).toMatchObject({ client_id: 'gmcp-assistants', token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1:41999/callback'], client_name: 'Claude Code' });

    const unknown = await request(service.app).post('/oauth/register').send({ redirect_uris: ['https://evil.example/cb'] }).expect(400);
    expect(unknown.body).toMatchObject({ error: 'invalid_redirect_uri' });
    expect(unknown.body.error_description).toContain('https://evil.example/cb');
    const secret = await request(service.app).post('/oauth/register').send({ redirect_uris: ['https://claude.ai/api/mcp/auth_callback'], token_endpoint_auth_method: 'client_secret_basic' }).expect(400);
    expect(secret.body.error).toBe('invalid_client_metadata');
    await request(service.app).post('/oauth/register').send({}).expect(400);
  });

  it('sends the browser on to the provider without the resource it refuses, with its names for the scopes', async () => {
    const response = await request(service.app).get(`/oauth/authorize?${authorizeQuery()}`).expect(302);
    const location = new URL(response.headers.location!);
    expect(location.origin + location.pathname).toBe('https://login.example.com/oauth2/v2.0/authorize');
    expect(location.searchParams.has('resource')).toBe(false);
    expect(location.searchParams.get('scope')).toBe(`${PREFIX}echo:read ${PREFIX}admin:read offline_access`);
    for (const name of ['client_id', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method', 'response_type']) {
      expect(location.searchParams.get(name)).toBe(authorizeQuery().get(name));
    }
  });

  it('forwards the resource to a provider that takes it', async () => {
    const forwarding = facadeService({ AUTH_FACADE_RESOURCE_PARAMETER: 'forward', AUTH_SCOPE_PREFIX: '' });
    const response = await request(forwarding.app).get(`/oauth/authorize?${authorizeQuery()}`).expect(302);
    expect(new URL(response.headers.location!).searchParams.get('resource')).toBe('https://mcp.example.com/mcp');
    expect(new URL(response.headers.location!).searchParams.get('scope')).toBe('echo:read admin:read offline_access');
    await forwarding.close();
  });

  it('refuses on its own page an unknown client or redirect URI, and sends other errors back with the state', async () => {
    await request(service.app).get(`/oauth/authorize?${authorizeQuery({ client_id: 'someone-else' })}`).expect(400);
    const stray = await request(service.app).get(`/oauth/authorize?${authorizeQuery({ redirect_uri: 'https://evil.example/cb' })}`).expect(400);
    expect(stray.headers.location).toBeUndefined();
    for (const [overrides, error] of [
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge: '' }, 'invalid_request'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ resource: 'https://other.example.com/mcp' }, 'invalid_target'],
    ] as const) {
      const response = await request(service.app).get(`/oauth/authorize?${authorizeQuery(overrides)}`).expect(302);
      const location = new URL(response.headers.location!);
      expect(location.href.startsWith('http://127.0.0.1:53117/callback?')).toBe(true);
      expect(location.searchParams.get('error')).toBe(error);
      expect(location.searchParams.get('state')).toBe('s1');
    }
  });

  it('relays token requests to the provider, without the resource and with its scope names', async () => {
    const response = await request(service.app)
      .post('/oauth/token')
      .type('form')
      .send({ grant_type: 'refresh_token', refresh_token: 'r1', client_id: 'gmcp-assistants', scope: 'echo:read', resource: 'https://mcp.example.com/mcp' })
      .expect(200);
    expect(response.body).toEqual({ access_token: 'from-the-provider', token_type: 'Bearer', expires_in: 3600 });
    expect(response.headers['cache-control']).toBe('no-store');
    expect(Object.fromEntries(new URLSearchParams(provider.forwarded[0]!.body))).toEqual({ grant_type: 'refresh_token', refresh_token: 'r1', client_id: 'gmcp-assistants', scope: `${PREFIX}echo:read` });

    provider.status = 400;
    const refused = await request(service.app).post('/oauth/token').type('form').send({ grant_type: 'authorization_code', code: 'x', client_id: 'gmcp-assistants' }).expect(400);
    expect(refused.body).toEqual({ error: 'invalid_grant' });
    await request(service.app).post('/oauth/token').type('form').send({ grant_type: 'authorization_code', client_id: 'other' }).expect(401);
    expect(provider.forwarded).toHaveLength(2);
  });

  it('answers 503 temporarily_unavailable when the provider does not answer', async () => {
    const down = facadeService({ AUTH_FACADE_TOKEN_ENDPOINT: 'http://127.0.0.1:1/token' });
    const response = await request(down.app).post('/oauth/token').type('form').send({ grant_type: 'authorization_code', code: 'x' }).expect(503);
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
