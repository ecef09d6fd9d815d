import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import type { Browser } from 'playwright-core';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { auth as v1Auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { SERVER_NAMES, type ServerName } from '@gmcp/infra/servers';
import { startPlatform, type Platform } from '@gmcp/platform';
import { launchBrowser, signIn } from './support/browser';
import { startCallbackServer, type CallbackServer } from './support/callback-server';
import { LOOPBACK_CERTIFICATE, startClientMetadataServer, type ClientMetadataServer } from '@gmcp/dev-issuer/testing';
import { MemoryOAuthClientProvider } from './support/oauth-client-provider';

jest.setTimeout(120_000);

/** A tool each shipped server answers for alice, with its arguments (a server added later is signed in to and listed). */
const PROBES: Partial<Record<ServerName, { tool: string; arguments: Record<string, unknown> }>> = {
  'policy-reader': { tool: 'search_policies', arguments: { query: 'hotel limit for business travel' } },
  'ops-reader': { tool: 'get_ticket_status', arguments: { ticket_id: 'TCK-1042' } },
  'ops-writer': { tool: 'get_request_status', arguments: { approval_id: '00000000-0000-4000-8000-000000000000' } },
};

const ACCESS_TOKEN_TTL_SECONDS = 6;

let stateDir: string;
let platform: Platform;
let browser: Browser;
let callback: CallbackServer;
let metadata: ClientMetadataServer;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'gmcp-oauth-'));
  const quiet = Object.fromEntries(SERVER_NAMES.flatMap((name) => [[`${name.toUpperCase().replace(/-/g, '_')}_LOG_LEVEL`, 'WARN'], [`${name.toUpperCase().replace(/-/g, '_')}_AUTH_CLOCK_SKEW_SECONDS`, '0']]));
  platform = await startPlatform(
    { GMCP_STATE_DIR: stateDir, ...quiet },
    { ephemeralPorts: true, issuer: { accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS, clientMetadataFetch: { allowLoopback: true, trustedCertificates: [LOOPBACK_CERTIFICATE] } } },
  );
  [browser, callback, metadata] = await Promise.all([launchBrowser(), startCallbackServer(), startClientMetadataServer()]);
});

afterAll(async () => {
  await Promise.allSettled([browser?.close(), callback?.stop(), metadata?.stop()]);
  await platform?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

function metadataDocumentClient(name: string): MemoryOAuthClientProvider {
  const clientMetadataUrl = metadata.serve(`/clients/${name}.json`, (url) => ({
    client_id: url,
    client_name: `E2E assistant (${name})`,
    redirect_uris: [callback.url],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
  }));
  return new MemoryOAuthClientProvider({ redirectUrl: callback.url, clientName: `E2E assistant (${name})`, clientMetadataUrl });
}

/** Each server's signed-in v2 client, for the tests that follow the sign-in. */
const signedIn = new Map<ServerName, MemoryOAuthClientProvider>();

describe('the v2 client, registered by a client ID metadata document', () => {
  it.each(SERVER_NAMES)('connects to %s with no token: 401, discovery, sign-in and consent, tools/list and a call', async (server) => {
    const url = new URL(platform.urls[server]!);
    const provider = metadataDocumentClient(`v2-${server}`);
    signedIn.set(server, provider);
    const first = new Client({ name: 'e2e-oauth', version: '1.0.0' });
    await expect(first.connect(new StreamableHTTPClientTransport(url, { authProvider: provider as never }))).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.authorizationUrl?.searchParams.get('client_id')).toBe(provider.clientMetadataUrl);
    expect(provider.authorizationUrl?.searchParams.get('resource')).toBe(url.href);

    const transport = new StreamableHTTPClientTransport(url, { authProvider: provider as never });
    const returned = await signIn(browser, provider.authorizationUrl!, { user: 'alice', callbackPrefix: callback.url });
    await transport.finishAuth(returned.searchParams);
    const claims = decodeJwt(provider.current.access_token);
    expect(claims).toMatchObject({ sub: 'alice', aud: url.href, client_id: provider.clientMetadataUrl });

    const client = new Client({ name: 'e2e-oauth', version: '1.0.0' });
    await client.connect(transport);
    const { tools } = await client.listTools();
    const probe = PROBES[server];
    if (probe) {
      expect(tools.map((tool) => tool.name)).toContain(probe.tool);
      const result = await client.callTool({ name: probe.tool, arguments: probe.arguments });
      // get_request_status of an unknown request is a tool error: the call went through all the same.
      expect(result.isError ?? false).toBe(server === 'ops-writer');
    }
    await client.close();
  });
});

describe('the v1 client (auth()), registered dynamically', () => {
  it.each(SERVER_NAMES)('connects to %s with no token', async (server) => {
    const url = new URL(platform.urls[server]!);
    const provider = new MemoryOAuthClientProvider({ redirectUrl: callback.url, clientName: `E2E v1 assistant (${server})` });
    expect(await v1Auth(provider as never, { serverUrl: url })).toBe('REDIRECT');
    const returned = await signIn(browser, provider.authorizationUrl!, { user: 'alice', callbackPrefix: callback.url });
    expect(returned.searchParams.get('iss')).toBe(platform.urls['dev-issuer']);
    expect(await v1Auth(provider as never, { serverUrl: url, authorizationCode: returned.searchParams.get('code')! })).toBe('AUTHORIZED');

    const client = new V1Client({ name: 'e2e-oauth-v1', version: '1.0.0' });
    await client.connect(new V1StreamableHTTPClientTransport(url, { authProvider: provider as never }));
    const { tools } = await client.listTools();
    const probe = PROBES[server];
    if (probe) {
      expect(tools.map((tool) => tool.name)).toContain(probe.tool);
      const result = await client.callTool({ name: probe.tool, arguments: probe.arguments });
      expect(result.isError ?? false).toBe(server === 'ops-writer');
    }
    await client.close();
  });
});

describe('after the sign-in', () => {
  it('refreshes an expired access token by itself, and the refresh token is rotated', async () => {
    const provider = signedIn.get('policy-reader')!;
    const before = provider.current;
    const client = new Client({ name: 'e2e-oauth', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(platform.urls['policy-reader']!), { authProvider: provider as never }));
    await new Promise((resolve) => setTimeout(resolve, (decodeJwt(before.access_token).exp! + 1) * 1000 - Date.now()));

    const result = await client.callTool({ name: 'search_policies', arguments: { query: 'expense receipts' } });
    expect(result.isError ?? false).toBe(false);
    expect(provider.current.access_token).not.toBe(before.access_token);
    expect(provider.current.refresh_token).toBeDefined();
    expect(provider.current.refresh_token).not.toBe(before.refresh_token);
    expect(decodeJwt(provider.current.access_token).exp!).toBeGreaterThan(Date.now() / 1000);
    await client.close();
  });

  it("refuses one server's token at another: 401 with that server's own resource metadata", async () => {
    const token = signedIn.get('ops-reader')!.current.access_token;
    const response = await fetch(platform.urls['policy-reader']!, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate')!;
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toContain(`resource_metadata="${new URL(platform.urls['policy-reader']!).origin}/.well-known/oauth-protected-resource/mcp"`);
  });

  it('sends the user back to the assistant with access_denied when they deny', async () => {
    const provider = metadataDocumentClient('v2-denied');
    const client = new Client({ name: 'e2e-oauth', version: '1.0.0' });
    await expect(client.connect(new StreamableHTTPClientTransport(new URL(platform.urls['ops-reader']!), { authProvider: provider as never }))).rejects.toBeInstanceOf(UnauthorizedError);
    const returned = await signIn(browser, provider.authorizationUrl!, { user: 'carol', decision: 'deny', callbackPrefix: callback.url });
    expect(Object.fromEntries(returned.searchParams)).toMatchObject({ error: 'access_denied', state: provider.authorizationUrl!.searchParams.get('state'), iss: platform.urls['dev-issuer'] });
    expect(returned.searchParams.has('code')).toBe(false);
  });

  it('gives carol, who holds more, a token with only what she holds of what was asked', async () => {
    const provider = metadataDocumentClient('v2-carol');
    const url = new URL(platform.urls['policy-reader']!);
    const client = new Client({ name: 'e2e-oauth', version: '1.0.0' });
    await expect(client.connect(new StreamableHTTPClientTransport(url, { authProvider: provider as never }))).rejects.toBeInstanceOf(UnauthorizedError);
    const asked = provider.authorizationUrl!.searchParams.get('scope')!.split(' ');
    expect(asked).toEqual(expect.arrayContaining(['policies:read', 'policies:read:confidential', 'policies:read:restricted']));
    const transport = new StreamableHTTPClientTransport(url, { authProvider: provider as never });
    await transport.finishAuth((await signIn(browser, provider.authorizationUrl!, { user: 'carol', callbackPrefix: callback.url })).searchParams);
    expect(String(decodeJwt(provider.current.access_token).scope).split(' ').sort()).toEqual(['policies:read', 'policies:read:confidential']);
  });
});
