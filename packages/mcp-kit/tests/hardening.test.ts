import request from 'supertest';
import { z } from 'zod';
import { SignJWT } from 'jose';
import { jsonRpcBody, MCP_HEADERS, rpc, testConfig, testService, TEST_AUDIENCE, withTestService } from './support/harness';
import { DateInput, pagingCursor } from '../src/index';
import { createCursorSeals } from '../src/tool/cursor-seal';
import { nestsDeeperThan } from '../src/http/json-body';

const state = withTestService({ ALLOWED_ORIGINS: 'https://app.example.com' });

const bearer = async (scopes: string[] = ['echo:read']) => `Bearer ${await state.issuer.token({ scopes })}`;

/** `{"message": [[[…"bottom"…]]]}` as text: too deep for JSON.stringify to build. */
const deepArguments = (depth: number) => `{"message":${'['.repeat(depth)}"bottom"${']'.repeat(depth)}}`;
const callWithArguments = (args: string) => `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":${args}}}`;

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level += 1) value = [value];
  return value;
}

describe('deeply nested JSON', () => {
  it.each([5_000, 65])('refuses arguments nested %i levels with 400 and a JSON-RPC error, before the SDK', async (depth) => {
    const response = await request(state.service.app).post('/mcp').set(MCP_HEADERS).set('Authorization', await bearer()).send(callWithArguments(deepArguments(depth))).expect(400);
    expect(response.body).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Request body nests deeper than 64 levels' } });
    expect(state.probe.calls).toBe(0);
  });

  it('takes a body nested up to the limit, and lets the schema judge it', async () => {
    const response = await request(state.service.app).post('/mcp').set(MCP_HEADERS).set('Authorization', await bearer()).send(callWithArguments(deepArguments(60))).expect(200);
    expect(jsonRpcBody(response).result).toMatchObject({ isError: true });
    expect(state.probe.calls).toBe(0);
  });

  it('measures depth without recursion, so any depth is safe to measure', () => {
    expect(nestsDeeperThan(nested(100_000), 64)).toBe(true);
    expect(nestsDeeperThan({ a: { b: [1, 2, { c: null }] } }, 4)).toBe(false);
    expect(nestsDeeperThan({ a: { b: [1, 2, { c: {} }] } }, 4)).toBe(true);
  });
});

describe('NUL characters in arguments', () => {
  it.each([
    ['a value', { message: 'hello\u0000world' }, 'message'],
    ['a key', { message: 'hello', ['evil\u0000key']: 'x' }, 'evil\\u0000key'],
  ])('refuses %s holding NUL with a clear tool error, the handler never run', async (_case, args, path) => {
    const response = await request(state.service.app)
      .post('/mcp')
      .set(MCP_HEADERS)
      .set('Authorization', await bearer())
      .send(rpc('tools/call', { name: 'echo', arguments: args }))
      .expect(200);
    const result = jsonRpcBody(response).result as { isError: boolean; content: { text: string }[] };
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toContain(`${path}: must not contain NUL characters (\\u0000)`);
    expect(state.probe.calls).toBe(0);
  });
});

describe('unknown paths', () => {
  it.each([
    ['get', '/nope'],
    ['post', '/admin'],
    ['get', '/mcp/extra'],
  ] as const)('%s %s answers JSON 404, never an HTML page', async (method, path) => {
    const response = await request(state.service.app)[method](path).expect(404);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toEqual({ error: 'not_found', error_description: `No route for ${method.toUpperCase()} ${path}` });
  });
});

describe('browser origins', () => {
  it.each(['http://localhost:6274', 'http://127.0.0.1:5173', 'http://[::1]:3000'])('a loopback bind accepts the loopback origin %s', async (origin) => {
    const response = await request(state.service.app).post('/mcp').set(MCP_HEADERS).set('Origin', origin).set('Authorization', await bearer()).send(rpc('tools/list')).expect(200);
    expect(response.headers['access-control-allow-origin']).toBe(origin);
  });

  it.each(['https://evil.example', 'http://localhost.evil.example', 'null', 'file://'])('a loopback bind still refuses the origin %s', async (origin) => {
    const response = await request(state.service.app).post('/mcp').set('Origin', origin).send(rpc('tools/list')).expect(403);
    expect(response.body.error).toBe('origin_not_allowed');
  });

  it('a server bound to all interfaces takes only its configured origins', async () => {
    const exposed = testService(testConfig(state.issuer.issuer.issuer, { HOST: '0.0.0.0', PUBLIC_URL: 'https://mcp.example.com', ALLOWED_ORIGINS: 'https://app.example.com' }), state.probe, state.governance.adapters);
    await request(exposed.app).post('/mcp').set('Host', 'mcp.example.com').set('Origin', 'http://localhost:6274').send(rpc('tools/list')).expect(403);
    await exposed.close();
  });
});

describe('GET /metrics', () => {
  it('needs a token', async () => {
    const response = await request(state.service.app).get('/metrics').expect(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer resource_metadata=/);
  });

  it('needs the operator scope metrics:read', async () => {
    const response = await request(state.service.app).get('/metrics').set('Authorization', await bearer(['echo:read'])).expect(403);
    expect(response.headers['www-authenticate']).toContain('scope="metrics:read"');
  });

  it('answers an operator', async () => {
    const response = await request(state.service.app).get('/metrics').set('Authorization', await bearer(['metrics:read'])).expect(200);
    expect(response.body).toHaveProperty('counters');
  });
});

describe('token audiences', () => {
  const signed = (aud: string | string[]) =>
    new SignJWT({ scope: 'echo:read', aud })
      .setProtectedHeader({ alg: 'RS256', kid: state.issuer.key.kid })
      .setIssuer(state.issuer.issuer.issuer)
      .setSubject('alice')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(state.issuer.key.privateKey);
  const call = async (token: string) =>
    request(state.service.app).post('/mcp').set(MCP_HEADERS).set('Authorization', `Bearer ${token}`).send(rpc('tools/call', { name: 'echo', arguments: { message: 'hi' } }));

  it('takes a token whose audience is exactly this server, as a string or a one-element array', async () => {
    expect((await call(await signed(TEST_AUDIENCE))).status).toBe(200);
    expect((await call(await signed([TEST_AUDIENCE]))).status).toBe(200);
    expect(state.probe.calls).toBe(2);
  });

  it.each([' alice', 'alice ', 'al\u200bice', 'ali\u0000ce', 'Ame\u0301lie'])('refuses the subject %j, which is not in canonical form', async (sub) => {
    const token = await new SignJWT({ scope: 'echo:read', aud: TEST_AUDIENCE })
      .setProtectedHeader({ alg: 'RS256', kid: state.issuer.key.kid })
      .setIssuer(state.issuer.issuer.issuer)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(state.issuer.key.privateKey);
    const response = await call(token);
    expect(response.status).toBe(401);
    expect(response.body.error_description).toMatch(/^The token subject is not in canonical form/);
    expect(state.probe.calls).toBe(0);
  });

  it('refuses a token for this server and another one at once (replayable between them)', async () => {
    const response = await call(await signed([TEST_AUDIENCE, 'http://127.0.0.1:4102/mcp']));
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: 'invalid_token', error_description: 'The token names several audiences; this server takes only a token issued for it alone' });
    expect(state.probe.calls).toBe(0);
  });

  /** jose refuses to sign an unknown critical extension, so the token is put together by hand (and, as a control, the same without it). */
  async function handMade(critical: boolean): Promise<string> {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const extension = critical ? { crit: ['urn:example:must-understand'], 'urn:example:must-understand': true } : {};
    const header = encode({ alg: 'RS256', kid: state.issuer.key.kid, ...extension });
    const now = Math.floor(Date.now() / 1000);
    const payload = encode({ iss: state.issuer.issuer.issuer, sub: 'alice', aud: TEST_AUDIENCE, scope: 'echo:read', iat: now, exp: now + 300 });
    const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', state.issuer.key.privateKey, new TextEncoder().encode(`${header}.${payload}`));
    return `${header}.${payload}.${Buffer.from(signature).toString('base64url')}`;
  }

  it('refuses a token whose crit header names an extension it does not understand (RFC 7515 §4.1.11)', async () => {
    expect((await call(await handMade(false))).status).toBe(200);
    const response = await call(await handMade(true));
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_token');
    expect(response.body.error_description).not.toBe('The token signature is invalid');
    expect(state.probe.calls).toBe(1);
  });
});

describe('paging cursors', () => {
  const offsetCursor = pagingCursor(z.number().int().nonnegative());
  const seals = createCursorSeals();
  const alice = { cursors: seals('alice') };

  it('opens a cursor for the same caller and request', () => {
    const cursor = offsetCursor.encode(20, ['list', 'open'], alice);
    expect(offsetCursor.decode(cursor, ['list', 'open'], alice)).toBe(20);
  });

  it.each([
    ['another caller', () => offsetCursor.decode(offsetCursor.encode(20, ['list'], alice), ['list'], { cursors: seals('mallory') })],
    ['another request', () => offsetCursor.decode(offsetCursor.encode(20, ['list'], alice), ['list', 'closed'], alice)],
    ['another server (key)', () => offsetCursor.decode(offsetCursor.encode(20, ['list'], { cursors: createCursorSeals()('alice') }), ['list'], alice)],
    ['a forged cursor', () => offsetCursor.decode(`${Buffer.from(JSON.stringify({ p: 99, h: 'x' })).toString('base64url')}.forged`, ['list'], alice)],
    ['an altered cursor', () => offsetCursor.decode(`e${offsetCursor.encode(20, ['list'], alice)}`, ['list'], alice)],
    ['a position of the wrong type', () => offsetCursor.decode(pagingCursor(z.string()).encode('2026-13-45', ['list'], alice), ['list'], alice)],
  ])('refuses a cursor from %s', (_case, decode) => {
    expect(decode).toThrow('Invalid cursor: pass back the next_cursor of the same request unchanged');
  });
});

describe('DateInput', () => {
  it.each(['2026-11-01', '2026-11-01T09:00:00Z', '1900-01-01'])('takes %s', (value) => {
    expect(DateInput.parse(value)).toBeInstanceOf(Date);
  });

  it.each(['0000-01-01', '1899-12-31', '0001-01-01T00:00:00Z'])('refuses %s, a well-formed date out of range, saying so', (value) => {
    const parsed = DateInput.safeParse(value);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message)).toContain('must be between 1900-01-01 and 9999-12-31');
  });

  it.each(['2026-02-30', '10000-01-01', 'yesterday'])('refuses %s, which is no date', (value) => {
    expect(DateInput.safeParse(value).success).toBe(false);
  });
});
