import request from 'supertest';
import { jsonRpcBody, MCP_HEADERS, rpc, startTestGovernance, startTestIssuer, testConfig, testService, type Probe, type TestGovernance, type TestIssuer } from './support/harness';
import type { McpService } from '../src/platform';

let issuer: TestIssuer;
let service: McpService;
let probe: Probe;
let governance: TestGovernance;

beforeAll(async () => {
  issuer = await startTestIssuer();
  governance = await startTestGovernance();
});
afterAll(async () => {
  await issuer.stop();
  await governance.stop();
});

beforeEach(() => {
  probe = { calls: 0 };
  service = testService(testConfig(issuer.issuer.issuer, { ALLOWED_ORIGINS: 'https://app.example.com' }), probe, governance.adapters);
});
afterEach(() => service.close());

const post = async (body: unknown, scopes: string[] = ['echo:read']) =>
  request(service.app)
    .post('/mcp')
    .set(MCP_HEADERS)
    .set('Authorization', `Bearer ${await issuer.token({ scopes })}`)
    .send(body as object);

describe('public routes', () => {
  it('answers /healthz without a token', async () => {
    const response = await request(service.app).get('/healthz').expect(200);
    expect(response.body).toEqual({ status: 'ok', service: 'test-server', version: '1.2.3' });
  });

  it.each(['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp'])(
    'serves RFC 9728 metadata at %s',
    async (path) => {
      const response = await request(service.app).get(path).expect(200);
      expect(response.body).toEqual({
        resource: 'http://127.0.0.1:9999/mcp',
        authorization_servers: [issuer.issuer.issuer],
        scopes_supported: ['admin:read', 'echo:read'],
        bearer_methods_supported: ['header'],
        resource_name: 'test-server',
      });
    },
  );

  it.each(['get', 'delete'] as const)('answers %s /mcp with 405 and Allow: POST (no sessions)', async (method) => {
    const response = await request(service.app)[method]('/mcp').expect(405);
    expect(response.headers.allow).toBe('POST');
  });
});

describe('request guards', () => {
  it('refuses a browser Origin that is not allowed, before authentication', async () => {
    const response = await request(service.app).post('/mcp').set('Origin', 'https://evil.example').send(rpc('tools/list')).expect(403);
    expect(response.body.error).toBe('origin_not_allowed');
  });

  it('accepts an allowed Origin and answers its CORS preflight', async () => {
    const preflight = await request(service.app)
      .options('/mcp')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Headers', 'authorization, content-type, mcp-method, mcp-name, mcp-param-uri, x-evil')
      .expect(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const allowed = preflight.headers['access-control-allow-headers']!.split(', ');
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'mcp-protocol-version', 'mcp-method', 'mcp-name', 'mcp-param-uri']));
    expect(allowed).not.toContain('x-evil');
    const response = await request(service.app)
      .post('/mcp')
      .set(MCP_HEADERS)
      .set('Origin', 'https://app.example.com')
      .set('Authorization', `Bearer ${await issuer.token({ scopes: ['echo:read'] })}`)
      .send(rpc('tools/list'))
      .expect(200);
    expect(response.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(response.headers['access-control-expose-headers']).toMatch(/WWW-Authenticate/);
  });

  it('refuses a Host header that is not loopback (DNS rebinding)', async () => {
    await request(service.app).post('/mcp').set('Host', 'evil.example:9999').send(rpc('tools/list')).expect(403);
  });

  it('accepts the public host name behind a proxy and ALLOWED_HOSTS', async () => {
    const proxied = testService(
      testConfig(issuer.issuer.issuer, { PUBLIC_URL: 'https://mcp.example.com', ALLOWED_HOSTS: 'mcp-internal.example.com' }),
      probe,
      governance.adapters,
    );
    await request(proxied.app).get('/healthz').set('Host', 'mcp.example.com').expect(200);
    await request(proxied.app).get('/healthz').set('Host', 'mcp-internal.example.com').expect(200);
    await request(proxied.app).get('/healthz').set('Host', 'evil.example').expect(403);
    await proxied.close();
  });

  it('generates its own request id and never adopts the caller one', async () => {
    const response = await request(service.app).get('/healthz').set('x-request-id', 'forged-id-of-someone-else').expect(200);
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a body it cannot decode with a 4xx, not a server error', async () => {
    const response = await request(service.app)
      .post('/mcp')
      .set(MCP_HEADERS)
      .set('Content-Encoding', 'compress')
      .set('Authorization', `Bearer ${await issuer.token({ scopes: ['echo:read'] })}`)
      .send('{}');
    expect(response.status).toBe(415);
    expect(response.body.error.code).toBe(-32600);
  });

  it('answers 401 with a resource_metadata challenge when no token is sent', async () => {
    const response = await request(service.app).post('/mcp').set(MCP_HEADERS).send(rpc('tools/list')).expect(401);
    expect(response.headers['www-authenticate']).toBe(
      'Bearer resource_metadata="http://127.0.0.1:9999/.well-known/oauth-protected-resource/mcp"',
    );
  });

  it('limits the body size', async () => {
    const huge = rpc('tools/call', { name: 'echo', arguments: { message: 'x'.repeat(1_100_000) } });
    const response = await post(huge);
    expect(response.status).toBe(413);
    expect(probe.calls).toBe(0);
  });

  it('answers malformed JSON with a JSON-RPC parse error', async () => {
    const response = await request(service.app)
      .post('/mcp')
      .set(MCP_HEADERS)
      .set('Authorization', `Bearer ${await issuer.token({ scopes: ['echo:read'] })}`)
      .send('{"jsonrpc":')
      .expect(400);
    expect(response.body.error.code).toBe(-32700);
  });
});

describe('tools/list', () => {
  it('shows only the tools the caller has scopes for, with governance metadata', async () => {
    const body = jsonRpcBody(await post(rpc('tools/list')));
    const tools = body.result!.tools as { name: string; annotations: unknown; _meta: Record<string, unknown> }[];
    expect(tools.map((tool) => tool.name).sort()).toEqual(['bad_output', 'connect_account', 'echo', 'explode']);
    const echo = tools.find((tool) => tool.name === 'echo')!;
    expect(echo.annotations).toEqual({ title: 'Echo', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false });
    expect(echo._meta['dev.gmcp/governance']).toEqual({ owner: 'platform', scope: 'echo:read', risk: 'low', access: 'read', classification: 'public' });
  });

  it('shows nothing to a caller without any tool scope', async () => {
    const body = jsonRpcBody(await post(rpc('tools/list'), ['unrelated']));
    expect(body.result!.tools).toEqual([]);
  });
});

describe('tools/call', () => {
  it('returns structuredContent matching the output schema and a text rendering', async () => {
    const body = jsonRpcBody(await post(rpc('tools/call', { name: 'echo', arguments: { message: 'hi' } })));
    expect(body.result).toMatchObject({
      content: [{ type: 'text', text: 'echo: hi' }],
      structuredContent: { message: 'hi', caller: 'alice' },
    });
    expect(probe.calls).toBe(1);
  });

  it('refuses a tool without its scope with 403 insufficient_scope, naming the scope', async () => {
    const response = await post(rpc('tools/call', { name: 'admin_report', arguments: {} }));
    expect(response.status).toBe(403);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer error="insufficient_scope", .*scope="admin:read", resource_metadata="http:\/\/127\.0\.0\.1:9999\/\.well-known\/oauth-protected-resource\/mcp"$/);
    expect(probe.calls).toBe(0);
  });

  it('refuses tool calls in a JSON-RPC batch', async () => {
    const response = await post([rpc('tools/call', { name: 'echo', arguments: { message: 'a' } }, 1), rpc('tools/call', { name: 'admin_report', arguments: {} }, 2)]);
    expect(response.status).toBe(400);
    expect(probe.calls).toBe(0);
  });

  it('rejects invalid arguments with a clear error and never runs the handler', async () => {
    const body = jsonRpcBody(await post(rpc('tools/call', { name: 'echo', arguments: { message: 42 } })));
    expect(body.result).toEqual({
      content: [{ type: 'text', text: 'Invalid arguments for tool echo: message: Invalid input: expected string, received number' }],
      isError: true,
    });
    expect(probe.calls).toBe(0);
  });

  it('answers an unknown tool with a JSON-RPC invalid-params error', async () => {
    const body = jsonRpcBody(await post(rpc('tools/call', { name: 'no_such_tool', arguments: {} })));
    expect(body.error).toMatchObject({ code: -32602, message: expect.stringContaining('Unknown tool: no_such_tool') });
  });

  it('passes a ToolError message to the caller', async () => {
    const body = jsonRpcBody(await post(rpc('tools/call', { name: 'explode', arguments: { expected: true } })));
    expect(body.result).toEqual({ content: [{ type: 'text', text: 'The widget is out of stock' }], isError: true });
  });

  it('turns an unexpected exception into a generic tool error without its details', async () => {
    const response = await post(rpc('tools/call', { name: 'explode', arguments: { expected: false } }));
    const body = jsonRpcBody(response);
    expect(body.result!.isError).toBe(true);
    const text = JSON.stringify(body.result);
    expect(text).toContain(`Reference: ${response.headers['x-request-id']}`);
    expect(text).not.toContain('hunter2');
  });

  it('treats output that breaks the declared schema as an internal error', async () => {
    const body = jsonRpcBody(await post(rpc('tools/call', { name: 'bad_output', arguments: {} })));
    expect(body.result!.isError).toBe(true);
    expect(JSON.stringify(body.result)).toContain('failed unexpectedly');
    expect(body.result!.structuredContent).toBeUndefined();
  });
});
