import request from 'supertest';
import { createVerifiedTokens } from '../src/auth/verified-tokens';
import { MCP_HEADERS, rpc, TEST_AUDIENCE, withTestService } from './support/harness';

describe('tokens already verified', () => {
  const key = {};
  const checks = JSON.stringify({ issuer: 'https://issuer', audience: ['https://server/mcp'] });

  it('are remembered until their expiry plus the clock tolerance, no longer', () => {
    let now = 1_000_000_000_000;
    const tokens = createVerifiedTokens(() => now);
    const exp = now / 1000 + 60;
    tokens.remember(key, 'token-a', checks, { sub: 'alice', exp }, 5);
    expect(tokens.find(key, 'token-a', checks)).toEqual({ sub: 'alice', exp });
    now = (exp + 5) * 1000 - 1;
    expect(tokens.find(key, 'token-a', checks)).toBeDefined();
    now = (exp + 5) * 1000;
    expect(tokens.find(key, 'token-a', checks)).toBeUndefined();
  });

  it('are found only with the same key, the same checks and the very same token', () => {
    const tokens = createVerifiedTokens();
    tokens.remember(key, 'token-a', checks, { sub: 'alice', exp: Date.now() / 1000 + 60 });
    expect(tokens.find({}, 'token-a', checks)).toBeUndefined();
    expect(tokens.find(key, 'token-a', JSON.stringify({ issuer: 'https://issuer', audience: ['https://other/mcp'] }))).toBeUndefined();
    expect(tokens.find(key, 'token-a2', checks)).toBeUndefined();
  });

  it('hand out claims that cannot be changed for the next caller', () => {
    const tokens = createVerifiedTokens();
    tokens.remember(key, 'token-a', checks, { sub: 'alice', exp: Date.now() / 1000 + 60 });
    const claims = tokens.find(key, 'token-a', checks)!;
    expect(() => Object.assign(claims, { sub: 'mallory' })).toThrow(TypeError);
    expect(tokens.find(key, 'token-a', checks)!.sub).toBe('alice');
  });
});

describe('a service verifying the same token again', () => {
  const state = withTestService();
  const call = (token: string) =>
    request(state.service.app).post('/mcp').set(MCP_HEADERS).set('Authorization', `Bearer ${token}`).send(rpc('tools/call', { name: 'echo', arguments: { message: 'hi' } }));

  it('takes it every time, and still refuses a copy with another signature or for another audience', async () => {
    const token = await state.issuer.token({ scopes: ['echo:read'] });
    expect((await call(token)).status).toBe(200);
    expect((await call(token)).status).toBe(200);
    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${payload}.${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`;
    expect((await call(forged)).status).toBe(401);
    expect((await call(await state.issuer.token({ scopes: ['echo:read'], audience: `${TEST_AUDIENCE}/other` }))).status).toBe(401);
    expect(state.probe.calls).toBe(2);
  });
});
