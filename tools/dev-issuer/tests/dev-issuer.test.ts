import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { Duration, loadOrCreateSigningKey, mintAccessToken, startDevIssuer } from '../src';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dev-issuer-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('signing key', () => {
  it('is generated on first run, kept private on disk, and reused afterwards', async () => {
    const path = join(dir, 'nested', 'key.json');
    const first = await loadOrCreateSigningKey(path);
    const second = await loadOrCreateSigningKey(path);
    expect(second.kid).toBe(first.kid);
    expect(second.publicJwk).toEqual(first.publicJwk);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(first.publicJwk).not.toHaveProperty('d');
    expect(JSON.parse(await readFile(path, 'utf8')).privateJwk).toHaveProperty('d');
  });

  it('survives concurrent first runs with a single key', async () => {
    const path = join(dir, 'key.json');
    const keys = await Promise.all([1, 2, 3].map(() => loadOrCreateSigningKey(path)));
    expect(new Set(keys.map((key) => key.kid)).size).toBe(1);
  });
});

describe('issuer', () => {
  it('publishes its JWKS and discovery document, and its tokens verify against them', async () => {
    const key = await loadOrCreateSigningKey(join(dir, 'key.json'));
    const issuer = await startDevIssuer(key, { port: 0 });
    try {
      const discovery = await (await fetch(`${issuer.issuer}/.well-known/openid-configuration`)).json();
      expect(discovery).toMatchObject({ issuer: issuer.issuer, jwks_uri: issuer.jwksUrl });
      expect((await fetch(`${issuer.issuer}/nope`)).status).toBe(404);

      const token = await mintAccessToken(key, {
        issuer: issuer.issuer,
        subject: 'alice',
        audience: 'http://127.0.0.1:4101/mcp',
        scopes: ['policies:read', 'tickets:read'],
        ttlSeconds: 120,
      });
      const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUrl)), {
        issuer: issuer.issuer,
        audience: 'http://127.0.0.1:4101/mcp',
        algorithms: ['RS256'],
      });
      expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: key.kid, typ: 'at+jwt' });
      expect(payload).toMatchObject({ sub: 'alice', scope: 'policies:read tickets:read', client_id: 'dev-cli' });
      expect(payload.exp! - payload.iat!).toBe(120);
      expect(typeof payload.jti).toBe('string');
    } finally {
      await issuer.stop();
    }
  });
});

describe('Duration', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['1h', 3600],
    ['7d', 604800],
  ])('parses %s', (text, seconds) => expect(Duration.parse(text)).toBe(seconds));

  it.each(['1 week', '10', '-1h', 'h'])('rejects %s', (text) => expect(Duration.safeParse(text).success).toBe(false));
});
