import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { devDirectory, loadDevDirectory, loadOrCreateSigningKey, refusedAddress, startDevIssuer } from '../src';
import { authorizationQuery, pkce, REDIRECT_URI, register, startFakeResource, token, USERS, UserAgent } from './support/oauth-driver';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'issuer-state-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('state across restarts', () => {
  it('keeps registered clients and refresh tokens in its state file (private to the user)', async () => {
    const key = await loadOrCreateSigningKey(join(dir, 'key.json'));
    const stateFile = join(dir, 'oauth-state.json');
    let issuerUrl = '';
    const resource = await startFakeResource(() => issuerUrl, ['policies:read']);
    const first = await startDevIssuer(key, { port: 0, directory: USERS, resources: () => [resource.resource], stateFile });
    issuerUrl = first.issuer;
    const { body } = await register(first.issuer);
    const clientId = String(body.client_id);
    const { verifier, challenge } = pkce();
    const landed = await new UserAgent(first.issuer).authorize(authorizationQuery(clientId, resource.resource, challenge), 'alice');
    const issued = await token(first.issuer, { grant_type: 'authorization_code', client_id: clientId, code: landed.searchParams.get('code')!, code_verifier: verifier, redirect_uri: REDIRECT_URI, resource: resource.resource });
    await first.stop();
    expect((await stat(stateFile)).mode & 0o777).toBe(0o600);

    const again = await startDevIssuer(key, { port: Number(new URL(first.issuer).port), directory: USERS, resources: () => [resource.resource], stateFile });
    try {
      const refreshed = await token(again.issuer, { grant_type: 'refresh_token', client_id: clientId, refresh_token: String(issued.body.refresh_token), resource: resource.resource });
      expect(refreshed.status).toBe(200);
      expect(typeof refreshed.body.access_token).toBe('string');
    } finally {
      await again.stop();
      await resource.stop();
    }
  });
});

describe('a scope taken away in the directory', () => {
  it('is gone from the next token a refresh gives, and a user removed gets no token at all', async () => {
    const key = await loadOrCreateSigningKey(join(dir, 'key.json'));
    const stateFile = join(dir, 'oauth-state.json');
    let issuerUrl = '';
    const resource = await startFakeResource(() => issuerUrl, ['policies:read', 'policies:read:confidential']);
    // Each run on a port of its own: a pooled connection to the one before cannot be reused.
    const start = async (directory: typeof USERS) => {
      const started = await startDevIssuer(key, { port: 0, directory, resources: () => [resource.resource], stateFile });
      issuerUrl = started.issuer;
      return started;
    };
    const first = await start(USERS);
    const clientId = String((await register(first.issuer)).body.client_id);
    const { verifier, challenge } = pkce();
    const landed = await new UserAgent(first.issuer).authorize(authorizationQuery(clientId, resource.resource, challenge, { scope: 'policies:read policies:read:confidential' }), 'carol');
    const issued = await token(first.issuer, { grant_type: 'authorization_code', client_id: clientId, code: landed.searchParams.get('code')!, code_verifier: verifier, redirect_uri: REDIRECT_URI, resource: resource.resource });
    expect(decodeJwt(String(issued.body.access_token)).scope).toBe('policies:read policies:read:confidential');
    await first.stop();

    const demoted = devDirectory({ users: { carol: { name: 'Carol', role: 'approver', scopes: ['policies:read'] } } });
    const again = await start(demoted);
    const refreshed = await token(again.issuer, { grant_type: 'refresh_token', client_id: clientId, refresh_token: String(issued.body.refresh_token), resource: resource.resource });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(String(refreshed.body.access_token)).scope).toBe('policies:read');
    await again.stop();

    const gone = await start(devDirectory({ users: { alice: { name: 'Alice', role: 'requester', scopes: ['policies:read'] } } }));
    const refused = await token(gone.issuer, { grant_type: 'refresh_token', client_id: clientId, refresh_token: String(refreshed.body.refresh_token), resource: resource.resource });
    expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    await gone.stop();
    await resource.stop();
  });
});

describe('the development directory', () => {
  it('loads config/dev-users.json: a requester, an approver, an auditor and a user with no scope', () => {
    const directory = loadDevDirectory(join(__dirname, '../../../config/dev-users.json'));
    expect(directory.find('alice')?.scopes).toContain('tickets:write');
    expect(directory.find('carol')?.scopes).toContain('approvals:decide');
    expect(directory.find('erin')?.scopes).toContain('audit:read');
    expect(directory.find('guest')?.scopes).toEqual([]);
    expect(directory.find('mallory')).toBeUndefined();
  });

  it('refuses a broken file with its path and the reason', async () => {
    const path = join(dir, 'users.json');
    await writeFile(path, JSON.stringify({ users: { 'Bad Id': { name: 'x', role: 'y', scopes: [] } } }));
    expect(() => loadDevDirectory(path)).toThrow(`${path} is invalid`);
    expect(() => loadDevDirectory(path)).toThrow('users["Bad Id"]');
    await writeFile(path, JSON.stringify({ users: { bob: { name: 'x', role: 'y', scopes: ['a b'] } } }));
    expect(() => loadDevDirectory(path)).toThrow('a scope is one word');
    expect(() => loadDevDirectory(join(dir, 'missing.json'))).toThrow(/cannot be read/);
  });
});

describe('addresses a client metadata document may come from', () => {
  it.each([
    ['93.184.215.14', false, undefined],
    ['2606:4700::6810:84e5', false, undefined],
    ['127.0.0.1', false, 'loopback'],
    ['::1', false, 'loopback'],
    ['127.0.0.1', true, undefined],
    ['10.0.0.8', true, 'private'],
    ['172.20.1.1', true, 'private'],
    ['192.168.0.1', true, 'private'],
    ['169.254.169.254', true, 'private'],
    ['100.64.0.1', true, 'private'],
    ['0.0.0.0', true, 'private'],
    ['fd12::1', true, 'private'],
    ['fe80::1', true, 'private'],
    ['::ffff:10.0.0.1', true, 'private'],
    ['::ffff:127.0.0.1', false, 'loopback'],
  ])('%s (loopback allowed: %s) → %s', (address, allowLoopback, refusal) => {
    const reason = refusedAddress(address, allowLoopback);
    if (refusal === undefined) expect(reason).toBeUndefined();
    else expect(reason).toContain(refusal);
  });
});
