import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devDirectory, loadOrCreateSigningKey, startDevIssuer, type DevIssuer, type DevIssuerOptions, type SigningKey } from '../../src';

/** A fake MCP server: only its RFC 9728 metadata, which is all the issuer reads. */
export interface FakeResource {
  readonly resource: string;
  stop(): Promise<void>;
}

export async function startFakeResource(issuer: () => string, scopes: readonly string[], name = 'policy-reader'): Promise<FakeResource> {
  let resource = '';
  const server: Server = createServer((req, res) => {
    const ok = req.url === '/.well-known/oauth-protected-resource/mcp';
    res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ok ? { resource, authorization_servers: [issuer()], scopes_supported: scopes, resource_name: name } : {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  resource = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  return { resource, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export const USERS = devDirectory({
  users: {
    alice: { name: 'Alice', role: 'requester', scopes: ['policies:read', 'tickets:read'] },
    carol: { name: 'Carol', role: 'approver', scopes: ['policies:read', 'policies:read:confidential'] },
    guest: { name: 'Guest', role: 'no scope', scopes: [] },
  },
});

export interface IssuerUnderTest {
  issuer: DevIssuer;
  key: SigningKey;
  resource: FakeResource;
  stop(): Promise<void>;
}

/** A development issuer serving one fake MCP server, with the test users. */
export async function startIssuerUnderTest(options: Partial<DevIssuerOptions> = {}): Promise<IssuerUnderTest> {
  const dir = await mkdtemp(join(tmpdir(), 'dev-issuer-'));
  const key = await loadOrCreateSigningKey(join(dir, 'key.json'));
  let issuerUrl = '';
  const resource = await startFakeResource(() => issuerUrl, ['policies:read', 'policies:read:confidential', 'tickets:read']);
  const issuer = await startDevIssuer(key, { port: 0, directory: USERS, resources: () => [resource.resource], ...options });
  issuerUrl = issuer.issuer;
  return {
    issuer,
    key,
    resource,
    stop: async () => {
      await issuer.stop();
      await resource.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const REDIRECT_URI = 'http://127.0.0.1:8765/callback';

export async function register(issuer: string, metadata: Record<string, unknown> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'Test assistant', redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none', ...metadata }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/**
 * A browser, minus the rendering: keeps cookies, follows the issuer's redirects, and
 * submits the login and consent forms the way the pages' buttons do.
 */
export class UserAgent {
  private readonly cookies = new Map<string, string>();
  constructor(private readonly issuer: string) {}

  async get(url: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(new URL(url, this.issuer), {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return response;
  }

  /** Posts a form as the page's buttons do: browsers send the page's Origin with it. */
  post(url: string, form: Record<string, string> = {}, origin: string = this.issuer): Promise<Response> {
    return this.get(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin }, body: new URLSearchParams(form).toString() });
  }

  /** Follows redirects from `url` until one leaves the issuer (the client's callback) or a page answers. */
  async follow(url: string): Promise<{ response: Response; url: string }> {
    let current = new URL(url, this.issuer).href;
    for (let hop = 0; hop < 10; hop += 1) {
      if (!current.startsWith(this.issuer)) return { response: new Response(null), url: current };
      const response = await this.get(current);
      const location = response.headers.get('location');
      if (!location) return { response, url: current };
      current = new URL(location, current).href;
    }
    throw new Error('too many redirects');
  }

  /** Signs in as `user` and answers the consent page; returns where the browser lands. */
  async authorize(query: Record<string, string> | URLSearchParams, user: string, decision: 'consent' | 'abort' = 'consent'): Promise<URL> {
    const login = await this.follow(`/authorize?${new URLSearchParams(query)}`);
    if (!login.url.includes('/interaction/')) return new URL(login.url);
    const consent = await this.follow((await this.post(`${login.url}/login`, { user })).headers.get('location')!);
    if (!consent.url.includes('/interaction/')) return new URL(consent.url);
    const done = await this.follow((await this.post(`${consent.url}/${decision}`)).headers.get('location')!);
    return new URL(done.url);
  }
}

export async function token(issuer: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** An authorization request as an MCP client sends it, PKCE included. */
export function authorizationQuery(clientId: string, resource: string, challenge: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    client_id: clientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'policies:read',
    state: 'state-123',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    resource,
    ...overrides,
  };
}
