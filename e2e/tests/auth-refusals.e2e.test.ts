import { generateKeyPairSync } from 'node:crypto';
import { base64url, exportSPKI, importJWK, SignJWT, type JWTPayload } from 'jose';
import { Client, SdkHttpError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startLocalPlatform, type LocalPlatform } from './support/local-platform';

let platform: LocalPlatform;
beforeAll(async () => {
  platform = await startLocalPlatform();
});
afterAll(() => platform.stop());

const now = () => Math.floor(Date.now() / 1000);

function claims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: platform.issuer.issuer,
    sub: 'mallory',
    aud: platform.policyReader.url,
    scope: 'policies:read',
    iat: now(),
    exp: now() + 300,
    ...overrides,
  };
}

const signWithDevKey = (payload: JWTPayload) =>
  new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: platform.key.kid }).sign(platform.key.privateKey);

function unsigned(payload: JWTPayload): string {
  const encode = (value: object) => base64url.encode(JSON.stringify(value));
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`;
}

async function hs256WithPublicKey(payload: JWTPayload): Promise<string> {
  const publicPem = await exportSPKI((await importJWK(platform.key.publicJwk, 'RS256', { extractable: true })) as CryptoKey);
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: platform.key.kid }).sign(new TextEncoder().encode(publicPem));
}

async function signedByUnknownKey(payload: JWTPayload): Promise<string> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'rogue-key' }).sign(privateKey);
}

function swapPart(token: string, index: 1 | 2, replace: (part: string) => string): string {
  const parts = token.split('.');
  parts[index] = replace(parts[index]!);
  return parts.join('.');
}

async function tamperedPayload(): Promise<string> {
  const token = await signWithDevKey(claims());
  const forged = base64url.encode(JSON.stringify(claims({ sub: 'admin', scope: 'policies:read policies:read:restricted' })));
  return swapPart(token, 1, () => forged);
}

async function tamperedSignature(): Promise<string> {
  const token = await signWithDevKey(claims());
  return swapPart(token, 2, (signature) => `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`);
}

const searchCall = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'search_policies', arguments: { query: 'travel' } } };

async function callWith(token: string | undefined): Promise<Response> {
  return fetch(platform.policyReader.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(searchCall),
  });
}

const metadata = () => `resource_metadata="${new URL(platform.policyReader.url).origin}/.well-known/oauth-protected-resource/mcp"`;

describe('the refusal matrix: each refused with the right status and challenge, the handler never run', () => {
  it.each<[string, () => Promise<string>, string | (() => string)]>([
    ['an expired token', () => signWithDevKey(claims({ exp: now() - 120, iat: now() - 600 })), 'The token has expired'],
    ['a token not yet valid', () => signWithDevKey(claims({ nbf: now() + 600 })), 'The token is not valid yet'],
    ['a token from another issuer', () => signWithDevKey(claims({ iss: 'https://evil.example.com' })), 'The token was issued by an untrusted issuer'],
    ['a token for another server', () => signWithDevKey(claims({ aud: 'http://127.0.0.1:4102/mcp' })), 'The token was issued for another resource'],
    ['an unsigned token (alg: none)', async () => unsigned(claims()), 'The token is signed with an algorithm that is not allowed'],
    ['an HS256 token signed with the public key', () => hs256WithPublicKey(claims()), 'The token is signed with an algorithm that is not allowed'],
    ['a token signed by an unknown key', () => signedByUnknownKey(claims()), () => `The token is signed with an unknown key: the issuer at ${platform.issuer.issuer} does not publish it (a token from npm run token with another GMCP_STATE_DIR than npm start's?)`],
    ['a token with a tampered payload', tamperedPayload, 'The token signature is invalid'],
    ['a token with a tampered signature', tamperedSignature, 'The token signature is invalid'],
    ['a token without an expiry', () => signWithDevKey(claims({ exp: undefined })), 'The token lacks required claims'],
    ['a token that is not a JWT', async () => 'not-a-jwt', 'The token is not a well-formed JWT'],
  ])('%s → 401 invalid_token', async (_case, makeToken, expected) => {
    const description = typeof expected === 'function' ? expected() : expected;
    const before = platform.libraryCalls();
    const response = await callWith(await makeToken());
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_token", error_description="${description}", ${metadata()}`,
    );
    expect(await response.json()).toEqual({ error: 'invalid_token', error_description: description });
    expect(platform.libraryCalls()).toBe(before);
  });

  it('no token → 401 with only the resource_metadata challenge', async () => {
    const response = await callWith(undefined);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer ${metadata()}`);
  });

  it('a valid token without the tool scope → 403 insufficient_scope naming the scope', async () => {
    const before = platform.libraryCalls();
    const response = await callWith(await platform.token({ scopes: ['tickets:read'] }));
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_scope", error_description="Tool search_policies requires scope policies:read", scope="policies:read", ${metadata()}`,
    );
    expect(platform.libraryCalls()).toBe(before);
  });

  it('the same valid token with the scope is accepted (the matrix is not refusing everything)', async () => {
    const response = await callWith(await platform.token());
    expect(response.status).toBe(200);
    expect(platform.libraryCalls()).toBeGreaterThan(0);
  });

  it('no token → the handler never ran', async () => {
    const before = platform.libraryCalls();
    await callWith(undefined);
    expect(platform.libraryCalls()).toBe(before);
  });
});

const REFUSED_TOKENS: [string, () => Promise<string>][] = [
  ['expired', () => signWithDevKey(claims({ exp: now() - 120, iat: now() - 600 }))],
  ['not yet valid', () => signWithDevKey(claims({ nbf: now() + 600 }))],
  ['wrong issuer', () => signWithDevKey(claims({ iss: 'https://evil.example.com' }))],
  ['wrong audience', () => signWithDevKey(claims({ aud: 'http://127.0.0.1:4102/mcp' }))],
  ['alg none', async () => unsigned(claims())],
  ['HS256 with the public key', () => hs256WithPublicKey(claims())],
  ['unknown kid', () => signedByUnknownKey(claims())],
  ['tampered payload', tamperedPayload],
  ['tampered signature', tamperedSignature],
];

describe.each(['legacy', 'modern'] as const)('the refusal matrix through the SDK Client (%s handshake)', (era) => {
  const connectWith = (token: string | undefined) => {
    const options = era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' as const } } } : {};
    const client = new Client({ name: 'e2e', version: '1.0.0' }, options);
    const headers = token === undefined ? undefined : { Authorization: `Bearer ${token}` };
    return client.connect(new StreamableHTTPClientTransport(new URL(platform.policyReader.url), { requestInit: { headers } }));
  };

  it.each([['no token', async () => undefined] as [string, () => Promise<string | undefined>], ...REFUSED_TOKENS])(
    '%s → the client gets HTTP 401 and nothing runs',
    async (_case, makeToken) => {
      const before = platform.libraryCalls();
      const connecting = connectWith(await makeToken());
      await expect(connecting).rejects.toBeInstanceOf(SdkHttpError);
      await expect(connecting).rejects.toMatchObject({ data: { status: 401 } });
      expect(platform.libraryCalls()).toBe(before);
    },
  );
});
