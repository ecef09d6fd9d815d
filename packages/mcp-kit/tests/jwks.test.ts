import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import request from 'supertest';
import { MCP_HEADERS, rpc, startTestGovernance, testConfig, testService, type TestGovernance } from './support/harness';

/** A JWKS endpoint whose key set a test can rotate, counting fetches. */
async function startJwksServer() {
  let keys: JWK[] = [];
  let fetches = 0;
  let available = true;
  const server: Server = createServer((_req, res) => {
    fetches += 1;
    if (!available) {
      res.writeHead(500).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    publish: (next: JWK[]) => (keys = next),
    setAvailable: (value: boolean) => (available = value),
    get fetches() {
      return fetches;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function signingKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const sign = (issuer: string) =>
    new SignJWT({ scope: 'echo:read' })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer(issuer)
      .setSubject('alice')
      .setAudience('http://127.0.0.1:9999/mcp')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
  return { jwk, sign };
}

describe('JWKS handling', () => {
  let jwks: Awaited<ReturnType<typeof startJwksServer>>;
  let governance: TestGovernance;
  beforeAll(async () => {
    governance = await startTestGovernance();
  });
  afterAll(() => governance.stop());
  beforeEach(async () => {
    jwks = await startJwksServer();
  });
  afterEach(() => jwks.stop());

  const serviceFor = (cooldownSeconds: number) =>
    testService(
      testConfig(jwks.url, { AUTH_JWKS_URL: `${jwks.url}/jwks`, AUTH_JWKS_COOLDOWN_SECONDS: String(cooldownSeconds) }),
      { calls: 0 },
      governance.adapters,
    );
  const list = (app: unknown, token: string) =>
    request(app as never).post('/mcp').set(MCP_HEADERS).set('Authorization', `Bearer ${token}`).send(rpc('tools/list'));

  it('caches keys, refetches on an unknown kid, and rate-limits refetches', async () => {
    const first = await signingKey('key-1');
    const second = await signingKey('key-2');
    jwks.publish([first.jwk]);
    const service = serviceFor(1);

    await list(service.app, await first.sign(jwks.url)).expect(200);
    await list(service.app, await first.sign(jwks.url)).expect(200);
    expect(jwks.fetches).toBe(1);

    // Rotation: a token with a new kid triggers a refetch once the cooldown has passed.
    jwks.publish([first.jwk, second.jwk]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await list(service.app, await second.sign(jwks.url)).expect(200);
    expect(jwks.fetches).toBe(2);

    // Within the cooldown, unknown kids do not hammer the issuer.
    const stranger = await signingKey('key-3');
    const refusals = await Promise.all([1, 2, 3].map(async () => list(service.app, await stranger.sign(jwks.url))));
    expect(refusals.map((response) => response.status)).toEqual([401, 401, 401]);
    expect(refusals[0]!.headers['www-authenticate']).toMatch(/error="invalid_token", error_description="The token is signed with an unknown key: the issuer at \S+ does not publish it/);
    expect(jwks.fetches).toBe(2);
    await service.close();
  });

  it('answers 503 with Retry-After when the issuer keys cannot be fetched', async () => {
    const key = await signingKey('key-1');
    jwks.setAvailable(false);
    const service = serviceFor(1);
    const response = await list(service.app, await key.sign(jwks.url)).expect(503);
    expect(response.headers['retry-after']).toBe('5');
    await service.close();
  });
});
