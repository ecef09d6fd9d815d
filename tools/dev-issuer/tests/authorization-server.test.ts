import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { LOOPBACK_CERTIFICATE, startClientMetadataServer, type ClientMetadataServer } from '../src/testing';
import { authorizationQuery, pkce, REDIRECT_URI, register, startIssuerUnderTest, token, UserAgent, type IssuerUnderTest } from './support/oauth-driver';

let under: IssuerUnderTest;
let issuer: string;
let resource: string;
beforeAll(async () => {
  under = await startIssuerUnderTest();
  issuer = under.issuer.issuer;
  resource = under.resource.resource;
});
afterAll(() => under.stop());

/** A registered client, signed in as `user`: the code and the verifier that redeems it. */
async function codeFor(user = 'alice', overrides: Record<string, string> = {}) {
  const { body } = await register(issuer);
  const clientId = String(body.client_id);
  const { verifier, challenge } = pkce();
  const landed = await new UserAgent(issuer).authorize(authorizationQuery(clientId, resource, challenge, overrides), user);
  return { clientId, verifier, landed, code: landed.searchParams.get('code') };
}

function redeem(clientId: string, code: string, verifier: string, extra: Record<string, string> = {}) {
  return token(issuer, { grant_type: 'authorization_code', client_id: clientId, code, code_verifier: verifier, redirect_uri: REDIRECT_URI, resource, ...extra });
}

async function tokensFor(user = 'alice') {
  const { clientId, verifier, code } = await codeFor(user);
  const { body } = await redeem(clientId, code!, verifier);
  return { clientId, accessToken: String(body.access_token), refreshToken: String(body.refresh_token) };
}

const refresh = (clientId: string, refreshToken: string) => token(issuer, { grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken, resource });

describe('discovery', () => {
  it('tells the truth at both well-known paths: code + PKCE S256, registration, metadata documents, revocation, iss', async () => {
    const document = async (name: string) => (await (await fetch(`${issuer}/.well-known/${name}`)).json()) as Record<string, unknown>;
    const [oauth, openid] = await Promise.all([document('oauth-authorization-server'), document('openid-configuration')]);
    expect(oauth).toEqual(openid);
    expect(oauth).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      registration_endpoint: `${issuer}/register`,
      revocation_endpoint: `${issuer}/revoke`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      client_id_metadata_document_supported: true,
      authorization_response_iss_parameter_supported: true,
    });
    expect(oauth.token_endpoint_auth_methods_supported).toContain('none');
    // Nothing it does not do: no implicit flow, no DPoP or pushed requests the servers would not honour.
    expect(JSON.stringify(oauth.response_types_supported)).not.toMatch(/token/);
    expect(oauth).not.toHaveProperty('dpop_signing_alg_values_supported');
    expect(oauth).not.toHaveProperty('pushed_authorization_request_endpoint');
  });

  it('lets no page of its own be framed by another site', async () => {
    for (const path of ['/session/end', '/authorize', '/.well-known/openid-configuration']) {
      const response = await fetch(`${issuer}${path}`, { redirect: 'manual' });
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
  });

  it('can leave client ID metadata documents out, so that clients register dynamically (a machine with no internet access)', async () => {
    const offline = await startIssuerUnderTest({ clientIdMetadataDocuments: false });
    try {
      const metadata = (await (await fetch(`${offline.issuer.issuer}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
      expect(metadata).not.toHaveProperty('client_id_metadata_document_supported');
      expect(metadata.registration_endpoint).toBe(`${offline.issuer.issuer}/register`);
    } finally {
      await offline.stop();
    }
  });

  it('publishes the development key, so that minted and issued tokens verify alike', async () => {
    const jwks = (await (await fetch(`${issuer}/.well-known/jwks.json`)).json()) as { keys: { kid: string; d?: string }[] };
    expect(jwks.keys.map((key) => key.kid)).toEqual([under.key.kid]);
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });
});

describe('a whole authorization', () => {
  it('issues a 15-minute RFC 9068 access token for exactly the server asked for, with state and iss in the response', async () => {
    const { clientId, verifier, code, landed } = await codeFor('alice', { scope: 'policies:read tickets:read' });
    expect(landed.origin + landed.pathname).toBe(REDIRECT_URI);
    expect(landed.searchParams.get('state')).toBe('state-123');
    expect(landed.searchParams.get('iss')).toBe(issuer);
    const { status, body } = await redeem(clientId, code!, verifier);
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    const { payload, protectedHeader } = await jwtVerify(String(body.access_token), createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`)), { issuer, audience: resource });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'at+jwt', kid: under.key.kid });
    expect(payload).toMatchObject({ sub: 'alice', client_id: clientId, scope: 'policies:read tickets:read', aud: resource });
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(typeof body.refresh_token).toBe('string');
  });

  it('gives only the scopes the user holds of those asked for', async () => {
    const { clientId, verifier, code } = await codeFor('carol', { scope: 'policies:read tickets:read' });
    const { body } = await redeem(clientId, code!, verifier);
    expect(decodeJwt(String(body.access_token)).scope).toBe('policies:read');
  });
});

describe('refusals', () => {
  it('refuses plain PKCE, and a request without a challenge', async () => {
    const { body } = await register(issuer);
    const agent = new UserAgent(issuer);
    const plain = await agent.authorize(authorizationQuery(String(body.client_id), resource, 'a'.repeat(43), { code_challenge_method: 'plain' }), 'alice');
    expect(plain.searchParams.get('error')).toBe('invalid_request');
    expect(plain.searchParams.get('error_description')).toMatch(/code_challenge_method/);
    const query = authorizationQuery(String(body.client_id), resource, '');
    delete (query as Partial<typeof query>).code_challenge;
    const missing = await agent.authorize(query, 'alice');
    expect(missing.searchParams.get('error')).toBe('invalid_request');
    expect(missing.searchParams.get('error_description')).toMatch(/code_challenge/);
  });

  it('refuses a wrong verifier, then a code used twice (and revokes what the code gave)', async () => {
    const { clientId, verifier, code } = await codeFor();
    const wrong = await redeem(clientId, code!, pkce().verifier);
    expect(wrong).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

    const second = await codeFor();
    const first = await redeem(second.clientId, second.code!, second.verifier);
    expect(first.status).toBe(200);
    const reused = await redeem(second.clientId, second.code!, second.verifier);
    expect(reused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await refresh(second.clientId, String(first.body.refresh_token))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(verifier).not.toBe(second.verifier);
  });

  it('refuses a redirect URI that is not registered exactly, on its own page: no redirect to it', async () => {
    const { body } = await register(issuer);
    for (const redirect of ['http://127.0.0.1:8765/elsewhere', 'https://attacker.example/callback', `${REDIRECT_URI}?x=1`]) {
      const { response, url } = await new UserAgent(issuer).follow(`/authorize?${new URLSearchParams(authorizationQuery(String(body.client_id), resource, pkce().challenge, { redirect_uri: redirect }))}`);
      expect(url.startsWith(issuer)).toBe(true);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('invalid_redirect_uri');
    }
  });

  it('refuses a resource that is not one of the platform servers, and a request that names none', async () => {
    const { body } = await register(issuer);
    const agent = new UserAgent(issuer);
    const unknown = await agent.authorize(authorizationQuery(String(body.client_id), 'http://127.0.0.1:1/mcp', pkce().challenge), 'alice');
    expect(unknown.searchParams.get('error')).toBe('invalid_target');
    expect(unknown.searchParams.get('error_description')).toMatch(/not an MCP server of this platform/);
    const query = authorizationQuery(String(body.client_id), resource, pkce().challenge);
    delete (query as Partial<typeof query>).resource;
    const none = await agent.authorize(query, 'alice');
    expect(none.searchParams.get('error')).toBe('invalid_target');
  });

  it('refuses a scope the server does not advertise, before anyone signs in', async () => {
    const { body } = await register(issuer);
    const landed = await new UserAgent(issuer).authorize(authorizationQuery(String(body.client_id), resource, pkce().challenge, { scope: 'policies:read incidents:write' }), 'alice');
    expect(landed.searchParams.get('error')).toBe('invalid_scope');
    expect(landed.searchParams.get('error_description')).toMatch(/does not define incidents:write/);
  });

  it('answers access_denied when the user holds none of the scopes asked for, or denies', async () => {
    const none = await codeFor('guest');
    expect(none.code).toBeNull();
    expect(none.landed.searchParams.get('error')).toBe('access_denied');
    expect(none.landed.searchParams.get('state')).toBe('state-123');

    const { body } = await register(issuer);
    const denied = await new UserAgent(issuer).authorize(authorizationQuery(String(body.client_id), resource, pkce().challenge), 'alice', 'abort');
    expect(denied.searchParams.get('error')).toBe('access_denied');
  });

  it('rotates refresh tokens, and a rotated one used again revokes the whole family', async () => {
    const { clientId, refreshToken } = await tokensFor();
    const rotated = await refresh(clientId, refreshToken);
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(refreshToken);
    expect(decodeJwt(String(rotated.body.access_token)).aud).toBe(resource);

    expect(await refresh(clientId, refreshToken)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // The reuse revoked the grant: the newest refresh token is dead too.
    expect(await refresh(clientId, String(rotated.body.refresh_token))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('refuses a refresh for another resource or with more scopes, and says why a reused refresh token fails', async () => {
    const other = await tokensFor();
    expect(await token(issuer, { grant_type: 'refresh_token', client_id: other.clientId, refresh_token: other.refreshToken, resource: 'http://127.0.0.1:1/mcp' })).toMatchObject({ status: 400, body: { error: 'invalid_target' } });
    const wider = await tokensFor();
    expect(await token(issuer, { grant_type: 'refresh_token', client_id: wider.clientId, refresh_token: wider.refreshToken, resource, scope: 'policies:read tickets:read' })).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });

    const { clientId, refreshToken } = await tokensFor();
    const rotated = await refresh(clientId, refreshToken);
    expect(rotated.status).toBe(200);
    const reused = await refresh(clientId, refreshToken);
    expect(reused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(reused.body.error_description).toContain('refresh token already used');
  });

  it('refuses a request naming several resources: a token names one server', async () => {
    const { body } = await register(issuer);
    const query = new URLSearchParams(authorizationQuery(String(body.client_id), resource, pkce().challenge));
    query.append('resource', 'http://127.0.0.1:2/mcp');
    const landed = await new UserAgent(issuer).authorize(query, 'alice');
    expect(landed.searchParams.get('error')).toBe('invalid_target');
    expect(landed.searchParams.get('error_description')).toMatch(/one resource per authorization/);
  });

  it('says, for a user who holds none of the scopes, that they hold none', async () => {
    const none = await codeFor('guest');
    expect(none.landed.searchParams.get('error_description')).toBe('guest holds none of the scopes asked for (policies:read)');
  });

  it('refuses the sign-in forms sent from another origin, or with no origin: no cross-site sign-in or consent', async () => {
    const { body } = await register(issuer);
    const agent = new UserAgent(issuer);
    const login = await agent.follow(`/authorize?${new URLSearchParams(authorizationQuery(String(body.client_id), resource, pkce().challenge))}`);
    for (const origin of ['http://127.0.0.1:1', 'null']) {
      const forged = await agent.post(`${login.url}/login`, { user: 'alice' }, origin);
      expect(forged.status).toBe(403);
      expect(await forged.text()).toContain('This form can only be sent from the sign-in page itself');
    }
    const oversized = await agent.post(`${login.url}/login`, { user: 'x'.repeat(10_000) });
    expect(oversized.status).toBe(400);
    expect(await oversized.text()).toContain('invalid_request');
  });

  it('revokes a refresh token on request (RFC 7009)', async () => {
    const { clientId, refreshToken } = await tokensFor();
    const revoked = await fetch(`${issuer}/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: refreshToken, client_id: clientId }) });
    expect(revoked.status).toBe(200);
    expect(await refresh(clientId, refreshToken)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });
});

describe('dynamic client registration', () => {
  it('accepts https, loopback http and private-use schemes, and makes loopback clients native', async () => {
    const claude = await register(issuer, { redirect_uris: ['https://claude.ai/api/mcp/auth_callback'] });
    expect(claude).toMatchObject({ status: 201, body: { application_type: 'web', token_endpoint_auth_method: 'none' } });
    const cursor = await register(issuer, { redirect_uris: ['cursor://anysphere.cursor-mcp/oauth/callback', 'https://www.cursor.com/agents/mcp/oauth/callback', 'http://localhost:8787/callback'] });
    expect(cursor).toMatchObject({ status: 201, body: { application_type: 'native' } });
    const loopback = await register(issuer);
    expect(loopback.body.application_type).toBe('native');
  });

  it('refuses http redirects off loopback, and says why', async () => {
    const refused = await register(issuer, { redirect_uris: ['http://assistant.example/callback'] });
    expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_redirect_uri' } });
    expect(refused.body.error_description).toMatch(/not loopback; use https/);
    expect((await register(issuer, { redirect_uris: ['javascript:alert(1)'], application_type: 'native' })).status).toBe(400);
  });

  it('refuses a declared web client with a loopback redirect: loopback is for native applications', async () => {
    const refused = await register(issuer, { application_type: 'web' });
    expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_redirect_uri' } });
    expect(refused.body.error_description).toMatch(/register with application_type native/);
  });

  it('answers CORS for a browser client only from one of its redirect origins, never "null"', async () => {
    const browser = await register(issuer, { redirect_uris: ['http://localhost:6274/oauth/callback'] });
    const custom = await register(issuer, { redirect_uris: ['cursor://anysphere.cursor-mcp/oauth/callback'] });
    const preflight = (origin: string) => fetch(`${issuer}/token`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    expect((await preflight('http://localhost:6274')).headers.get('access-control-allow-origin')).toBe('http://localhost:6274');
    const tokenFrom = (origin: string, clientId: string) => fetch(`${issuer}/token`, { method: 'POST', headers: { origin, 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=refresh_token&refresh_token=x&client_id=${encodeURIComponent(clientId)}` });
    expect((await tokenFrom('http://localhost:6274', String(browser.body.client_id))).headers.get('access-control-allow-origin')).toBe('http://localhost:6274');
    expect((await tokenFrom('https://evil.example', String(browser.body.client_id))).headers.get('access-control-allow-origin')).toBeNull();
    expect((await tokenFrom('null', String(custom.body.client_id))).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('keeps only its own scopes of those a client registers', async () => {
    const registered = await register(issuer, { scope: 'policies:read offline_access' });
    expect(registered).toMatchObject({ status: 201, body: { scope: 'offline_access' } });
  });
});

describe('client ID metadata documents', () => {
  let documents: ClientMetadataServer;
  let trusting: IssuerUnderTest;
  beforeAll(async () => {
    documents = await startClientMetadataServer();
    trusting = await startIssuerUnderTest({ clientMetadataFetch: { allowLoopback: true, trustedCertificates: [LOOPBACK_CERTIFICATE] } });
  });
  afterAll(async () => {
    await documents.stop();
    await trusting.stop();
  });

  const metadataDocument = (extra: Record<string, unknown> = {}) => (url: string) => ({
    client_id: url,
    client_name: 'Metadata assistant',
    redirect_uris: [REDIRECT_URI],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    ...extra,
  });

  async function authorizeWith(target: IssuerUnderTest, clientId: string) {
    const agent = new UserAgent(target.issuer.issuer);
    const { response, url } = await agent.follow(`/authorize?${new URLSearchParams(authorizationQuery(clientId, target.resource.resource, pkce().challenge))}`);
    return { response, url, text: await response.text() };
  }

  it('fetches a document served on loopback when development allows it, and signs in with it', async () => {
    const clientId = documents.serve('/good.json', metadataDocument());
    const { verifier, challenge } = pkce();
    const landed = await new UserAgent(trusting.issuer.issuer).authorize(authorizationQuery(clientId, trusting.resource.resource, challenge), 'alice');
    const redeemed = await token(trusting.issuer.issuer, { grant_type: 'authorization_code', client_id: clientId, code: landed.searchParams.get('code')!, code_verifier: verifier, redirect_uri: REDIRECT_URI, resource: trusting.resource.resource });
    expect(redeemed.status).toBe(200);
    expect(decodeJwt(String(redeemed.body.access_token)).client_id).toBe(clientId);
  });

  it("takes a document like Claude Code's (loopback redirects, no application_type) as a native client on any port", async () => {
    const clientId = documents.serve('/claude-code.json', (url) => ({ client_id: url, client_name: 'Claude Code', redirect_uris: ['http://localhost/callback', 'http://127.0.0.1/callback'], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] }));
    const landed = await new UserAgent(trusting.issuer.issuer).authorize(authorizationQuery(clientId, trusting.resource.resource, pkce().challenge, { redirect_uri: 'http://localhost:58135/callback' }), 'alice');
    expect(landed.origin).toBe('http://localhost:58135');
    expect(landed.searchParams.get('code')).toBeTruthy();
  });

  it('refuses loopback when development does not allow it, and private addresses always, without connecting', async () => {
    const clientId = documents.serve('/loopback.json', metadataDocument());
    const refused = await authorizeWith(under, clientId);
    expect(refused.response.status).toBe(400);
    expect(refused.text).toContain('invalid_client');
    expect(refused.text).toMatch(/loopback address/);
    expect(documents.fetches.get('/loopback.json')).toBeUndefined();

    for (const [clientId, reason] of [
      ['https://10.1.2.3/client.json', 'private or special-use'],
      ['https://192.168.1.1/client.json', 'private or special-use'],
      ['https://169.254.169.254/latest/meta-data.json', 'private or special-use'],
      ['https://[fd00::1]/client.json', 'private or special-use'],
    ] as const) {
      const attempt = await authorizeWith(trusting, clientId);
      expect(attempt.response.status).toBe(400);
      expect(attempt.text).toContain('invalid_client');
      expect(attempt.text).toContain(reason);
    }
  });

  it('refuses a document that is too large, one that redirects (not followed), and one that names another client', async () => {
    const large = documents.serve('/large.json', metadataDocument({ client_name: 'x'.repeat(8 * 1024) }));
    const target = documents.serve('/target.json', metadataDocument());
    const moved = documents.redirect('/moved.json', target);
    const other = documents.serve('/other.json', () => metadataDocument()('https://assistant.example/client.json'));
    for (const [clientId, reason] of [[large, 'larger than 5120 bytes'], [moved, 'unexpected response status 302'], [other, 'does not match']] as const) {
      const attempt = await authorizeWith(trusting, clientId);
      expect(attempt.response.status).toBe(400);
      expect(attempt.text).toContain('invalid_client');
      expect(attempt.text).toContain(reason);
    }
    expect(documents.fetches.get('/target.json')).toBeUndefined();
  });

  it('checks the addresses a host name resolves to before connecting (a name for loopback is refused like the address)', async () => {
    const clientId = documents.serve('/by-name.json', metadataDocument()).replace('127.0.0.1', 'localhost');
    const refused = await authorizeWith(under, clientId);
    expect(refused.response.status).toBe(400);
    expect(refused.text).toContain('localhost resolves to a refused address');
    expect(documents.fetches.get('/by-name.json')).toBeUndefined();
  });
});

describe('bad input', () => {
  const form = (body: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() });

  const sameOrigin = () => ({ origin: issuer });
  let registered = '';
  beforeAll(async () => {
    registered = String((await register(issuer)).body.client_id);
  });

  it.each<[string, string, () => RequestInit, number, string]>([
    ['an empty authorization request', '/authorize', () => ({}), 400, 'invalid_request'],
    ['an unknown client', '/authorize?client_id=nobody&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb', () => ({}), 400, 'invalid_client'],
    ['a metadata URL with credentials', '/authorize?client_id=https%3A%2F%2Fuser%3Apass%40example.com%2Fc.json&response_type=code', () => ({}), 400, 'invalid_client'],
    ['an implicit response type', '/authorize?client_id=x&response_type=token', () => ({}), 400, 'invalid_client'],
    ['an unknown interaction', '/interaction/nope', () => ({}), 400, 'invalid_request'],
    ['a login without its interaction', '/interaction/nope/login', () => ({ ...form({ user: 'alice' }), headers: { 'content-type': 'application/x-www-form-urlencoded', ...sameOrigin() } }), 400, 'invalid_request'],
    ['a login in an unknown charset', '/interaction/nope/login', () => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=klingon', ...sameOrigin() }, body: 'user=alice' }), 400, 'invalid_request'],
    ['a token request with no grant', '/token', () => form({}), 400, 'invalid_request'],
    ['an unknown grant type', '/token', () => form({ grant_type: 'password', username: 'alice', password: 'x', client_id: registered }), 400, 'unsupported_grant_type'],
    ['a token request from no client', '/token', () => form({ grant_type: 'authorization_code', code: 'x' }), 400, 'invalid_request'],
    ['a code that was never issued', '/token', () => form({ grant_type: 'authorization_code', code: 'x', client_id: 'nobody', code_verifier: 'x'.repeat(43), redirect_uri: REDIRECT_URI }), 401, 'invalid_client'],
    ['a registration that is not JSON', '/register', () => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"redirect_uris": [' }), 400, 'invalid_request'],
    ['a registration with no redirect URI', '/register', () => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), 400, 'invalid_redirect_uri'],
    ['a registration with a huge body', '/register', () => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: [REDIRECT_URI], client_name: 'x'.repeat(200_000) }) }), 400, 'invalid_request'],
    ['a revocation of nothing', '/revoke', () => form({}), 400, 'invalid_request'],
  ])('answers %s with its OAuth error, never a 500', async (_label, path, init, status, error) => {
    const response = await fetch(`${issuer}${path}`, { redirect: 'manual', ...init() });
    expect(response.status).toBe(status);
    const text = await response.text();
    expect(text).not.toMatch(/\bat .+\.(js|ts):\d+/);
    expect(text).toContain(error);
  });
});
