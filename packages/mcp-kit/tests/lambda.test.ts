import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import request from 'supertest';
import { z } from 'zod';
import { httpApiEvent, startSsmTestEndpoint, type SsmTestEndpoint } from '@gmcp/local-aws';
import {
  approvalTableDefinition,
  ConfigError,
  createCachedPolicy,
  createDecisionSigner,
  createDynamoDbApprovalStore,
  createDynamoDbClient,
  createLocalWorkflow,
  createLogger,
  createMemoryMetrics,
  createSsmClient,
  EDGE_SECRET_HEADER,
  ensureTables,
  parseEnv,
  reportApprovalBacklog,
  ServiceEnvSchema,
  type ApprovalRequest,
  type ApprovalStore,
  type McpService,
  defineServer,
} from '../src/platform';
import { approvalBacklogHandler, approvalTaskHandlers, clientAddress, createLambdaService, fetchKeysEarly, httpApiHandler, lambdaEntries, readAhead, readStartupParameters, withSecretParameters } from '../src/lambda';
import { readAheadOnce } from '../src/governance/read-ahead-source';
import { ssmPolicySource } from '../src/governance/ssm-policy-source';
import { MCP_HEADERS, pinned, rpc, startTestGovernance, startTestIssuer, TEST_HMAC_KEY, testConfig, testService, testTools, type Probe, type TestGovernance, type TestIssuer, wipeVolumeTool, testApprovalRequest } from './support/harness';

const PUBLIC_URL = 'https://mcp.example.com';
const AUDIENCE = `${PUBLIC_URL}/mcp`;
const SOURCE_IP = '198.51.100.23';
const context = {} as Context;

let issuer: TestIssuer;
let governance: TestGovernance;
let ssm: SsmTestEndpoint;

beforeAll(async () => {
  [issuer, governance, ssm] = await Promise.all([startTestIssuer(), startTestGovernance(), startSsmTestEndpoint()]);
});
afterAll(async () => {
  await Promise.all([issuer.stop(), governance.stop(), ssm.stop()]);
});

/** A payload-2.0 event as API Gateway would send it for a request to PUBLIC_URL. */
function apiEvent(method: string, url: string, options: { headers?: Record<string, string>; body?: unknown; sourceIp?: string } = {}): APIGatewayProxyEventV2 {
  const body = options.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(options.body));
  return httpApiEvent(
    { method, url, headers: { host: 'mcp.example.com', 'user-agent': 'lambda-test/1.0', ...options.headers }, body, sourceIp: options.sourceIp ?? SOURCE_IP },
    { routeKey: `${method} ${new URL(url, PUBLIC_URL).pathname}` },
    { apiId: 'api0001', accountId: '000000000000', domainName: 'mcp.example.com' },
  ) as unknown as APIGatewayProxyEventV2;
}

const mcpEvent = async (body: unknown, claims: { sub?: string; scopes?: string[] } = {}) =>
  apiEvent('POST', '/mcp', {
    headers: { accept: MCP_HEADERS.Accept, 'content-type': 'application/json', authorization: `Bearer ${await issuer.token({ audience: AUDIENCE, scopes: ['echo:read'], ...claims })}` },
    body,
  });

/** The JSON-RPC message of a result, sent as JSON or as one SSE event. */
function rpcBody(result: APIGatewayProxyStructuredResultV2): { result?: Record<string, unknown>; error?: { code: number; message: string } } {
  const text = result.body ?? '';
  if (String(result.headers?.['content-type']).startsWith('text/event-stream')) {
    return JSON.parse(text.split('\n').find((line) => line.startsWith('data: '))?.slice('data: '.length) ?? '{}');
  }
  return JSON.parse(text);
}

/**
 * Runs `action` while catching the log lines that contain `marker` (the handler's own
 * logger writes to stdout/stderr); other output passes through.
 */
async function capturingLogs<T>(marker: string, action: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const lines: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) => {
    const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    return jest.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      if (String(chunk).includes(marker)) {
        lines.push(String(chunk));
        return true;
      }
      return original(chunk, ...rest);
    }) as typeof stream.write);
  });
  try {
    return { value: await action(), lines };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

const auditOf = async (subject: string) => (await governance.auditStore.query({ actor: subject, since: new Date(Date.now() - 10 * 60_000), limit: 100 })).records;

const lambdaService = (env: Record<string, string> = {}, probe: Probe = { calls: 0 }) =>
  testService(testConfig(issuer.issuer.issuer, { PUBLIC_URL, ...env }), probe, governance.adapters);

describe('withSecretParameters (SSM test endpoint)', () => {
  const client = () => createSsmClient({ region: 'us-east-1', endpoint: ssm.endpoint });
  const auditKey = Buffer.alloc(32, 1).toString('base64');
  const approvalKey = Buffer.alloc(32, 2).toString('base64');
  const edgeSecret = 'e'.repeat(40);

  beforeAll(() => {
    ssm.put('/gmcp/test/audit-key', auditKey, 'SecureString');
    ssm.put('/gmcp/test/approval-key', approvalKey, 'SecureString');
    ssm.put('/gmcp/test/edge-secret', edgeSecret, 'SecureString');
  });

  it('fills each key from its SecureString parameter, decrypted, in one call', async () => {
    const before = ssm.requests;
    const source = {
      PORT: '0',
      AUDIT_HMAC_KEY_PARAMETER: '/gmcp/test/audit-key',
      APPROVAL_HMAC_KEY_PARAMETER: '/gmcp/test/approval-key',
      EDGE_SECRET_PARAMETER: '/gmcp/test/edge-secret',
    };
    const filled = await withSecretParameters(source, client);
    expect(filled).toEqual({ ...source, AUDIT_HMAC_KEY: auditKey, APPROVAL_HMAC_KEY: approvalKey, EDGE_SECRET: edgeSecret });
    expect(ssm.requests - before).toBe(1);
    expect(source).not.toHaveProperty('AUDIT_HMAC_KEY');
  });

  it('keeps a value already present without calling SSM', async () => {
    const before = ssm.requests;
    let clients = 0;
    const source = { AUDIT_HMAC_KEY: 'local-key', AUDIT_HMAC_KEY_PARAMETER: '/gmcp/test/does-not-exist' };
    expect(await withSecretParameters(source, () => (clients++, client()))).toEqual(source);
    expect(ssm.requests).toBe(before);
    expect(clients).toBe(0);
  });

  it('fetches only the keys that are missing', async () => {
    const before = ssm.requests;
    const filled = await withSecretParameters({ AUDIT_HMAC_KEY: 'local-key', AUDIT_HMAC_KEY_PARAMETER: '/gmcp/test/does-not-exist', EDGE_SECRET_PARAMETER: '/gmcp/test/edge-secret' }, client);
    expect(filled).toMatchObject({ AUDIT_HMAC_KEY: 'local-key', EDGE_SECRET: edgeSecret });
    expect(filled).not.toHaveProperty('APPROVAL_HMAC_KEY');
    expect(ssm.requests - before).toBe(1);
  });

  it('makes no SSM call without *_PARAMETER variables', async () => {
    const before = ssm.requests;
    let clients = 0;
    const source = { PORT: '0', AUDIT_HMAC_KEY_PARAMETER: '' };
    expect(await withSecretParameters(source, () => (clients++, client()))).toBe(source);
    expect(ssm.requests).toBe(before);
    expect(clients).toBe(0);
  });

  it('stops with a ConfigError naming the *_PARAMETER variable when a parameter does not exist', async () => {
    const error = await withSecretParameters({ AUDIT_HMAC_KEY_PARAMETER: '/gmcp/test/audit-key', EDGE_SECRET_PARAMETER: '/gmcp/test/missing-edge' }, client).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables).toEqual(['EDGE_SECRET_PARAMETER']);
    expect((error as ConfigError).message).toContain('/gmcp/test/missing-edge');
    expect((error as ConfigError).message).not.toContain('/gmcp/test/audit-key');
  });

  it('fails when SSM is unavailable rather than starting without the keys', async () => {
    ssm.setAvailable(false);
    try {
      await expect(withSecretParameters({ AUDIT_HMAC_KEY_PARAMETER: '/gmcp/test/audit-key' }, client)).rejects.toThrow();
    } finally {
      ssm.setAvailable(true);
    }
  });
});

describe('readStartupParameters: the secrets and the governance in one SSM call', () => {
  const client = () => createSsmClient({ region: 'us-east-1', endpoint: ssm.endpoint });
  const governed = { GOVERNANCE_SOURCE: 'ssm', GOVERNANCE_SSM_PARAMETER: '/gmcp/test/allowlist', CALL_POLICIES_SSM_PARAMETER: '/gmcp/test/call-policies', AUDIT_HMAC_KEY_PARAMETER: '/gmcp/test/audit-key' };

  beforeAll(() => {
    ssm.put('/gmcp/test/allowlist', '{"tools":[]}');
    ssm.put('/gmcp/test/call-policies', '@id("p") permit(principal, action, resource);');
  });

  it('reads the allowlist and the call policies with the signing key, in one call', async () => {
    const before = ssm.requests;
    const startup = await readStartupParameters(governed, client);
    expect(ssm.requests - before).toBe(1);
    expect(startup.env).toMatchObject({ AUDIT_HMAC_KEY: Buffer.alloc(32, 1).toString('base64') });
    expect(Object.fromEntries(startup.governance)).toEqual({ '/gmcp/test/allowlist': '{"tools":[]}', '/gmcp/test/call-policies': '@id("p") permit(principal, action, resource);' });
  });

  it('leaves a governance parameter that does not exist to its source (no call policies is not an error); a missing key still stops the start', async () => {
    const startup = await readStartupParameters({ ...governed, CALL_POLICIES_SSM_PARAMETER: '/gmcp/test/no-policies' }, client);
    expect([...startup.governance.keys()]).toEqual(['/gmcp/test/allowlist']);
    await expect(readStartupParameters({ ...governed, AUDIT_HMAC_KEY_PARAMETER: '/gmcp/test/missing-key' }, client)).rejects.toThrow(ConfigError);
  });

  it('reads no governance with a file source', async () => {
    const startup = await readStartupParameters({ ...governed, GOVERNANCE_SOURCE: 'file' }, client);
    expect(startup.governance.size).toBe(0);
  });

  it('a source read ahead answers its first read from it and every later read (the refreshes) from SSM', async () => {
    const source = ssmPolicySource(client(), '/gmcp/test/allowlist');
    const ahead = readAheadOnce(source, '{"tools":["read ahead"]}');
    const before = ssm.requests;
    expect(await ahead.read()).toBe('{"tools":["read ahead"]}');
    expect(ssm.requests).toBe(before);
    expect(await ahead.read()).toBe('{"tools":[]}');
    expect(ssm.requests - before).toBe(1);
    expect(readAheadOnce(source, undefined)).toBe(source);
  });
});

describe('httpApiHandler', () => {
  let service: McpService;
  let probe: Probe;
  let handler: ReturnType<typeof httpApiHandler>;

  beforeAll(() => {
    probe = { calls: 0 };
    service = lambdaService({}, probe);
    handler = httpApiHandler('test-server', async () => service);
  });
  afterAll(() => service.close());

  it('answers GET /healthz with 200 JSON', async () => {
    const result = await handler(apiEvent('GET', '/healthz'), context);
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(result.body!)).toEqual({ status: 'ok', service: 'test-server', version: '1.2.3' });
  });

  it('serves tools/list on POST /mcp to a token for this service', async () => {
    const result = await handler(await mcpEvent(rpc('tools/list')), context);
    expect(result.statusCode).toBe(200);
    const tools = rpcBody(result).result!.tools as { name: string }[];
    expect(tools.map((tool) => tool.name).sort()).toEqual(['bad_output', 'connect_account', 'echo', 'explode']);
  });

  it('refuses a token minted for another audience', async () => {
    const event = apiEvent('POST', '/mcp', {
      headers: { accept: MCP_HEADERS.Accept, 'content-type': 'application/json', authorization: `Bearer ${await issuer.token({ scopes: ['echo:read'] })}` },
      body: rpc('tools/list'),
    });
    expect((await handler(event, context)).statusCode).toBe(401);
  });

  it('answers 401 with a WWW-Authenticate challenge when no token is sent', async () => {
    const result = await handler(apiEvent('POST', '/mcp', { headers: { accept: MCP_HEADERS.Accept, 'content-type': 'application/json' }, body: rpc('tools/list') }), context);
    expect(result.statusCode).toBe(401);
    expect(result.headers?.['www-authenticate']).toBe(`Bearer resource_metadata="${PUBLIC_URL}/.well-known/oauth-protected-resource/mcp"`);
  });

  it('records the gateway sourceIp as the audited source address', async () => {
    const result = await handler(await mcpEvent(rpc('tools/call', { name: 'echo', arguments: { message: 'from lambda' } }), { sub: 'lambda-caller' }), context);
    expect(rpcBody(result).result!.structuredContent).toEqual({ message: 'from lambda', caller: 'lambda-caller' });
    const records = await auditOf('lambda-caller');
    expect(records.map((record) => record.event).sort()).toEqual(['tool_allowed', 'tool_completed']);
    for (const record of records) expect(record.source).toEqual({ ip: SOURCE_IP, user_agent: 'lambda-test/1.0' });
  });

  it('answers 503 with a JSON-RPC error while init fails, and retries init on the next event', async () => {
    let calls = 0;
    const flaky = httpApiHandler('test-server', async () => {
      calls += 1;
      if (calls === 1) throw new Error('policy source unreachable');
      return service;
    });
    const { value: failed, lines } = await capturingLogs('service could not start', () => flaky(apiEvent('GET', '/healthz'), context));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'ERROR', service: 'test-server', error: { message: 'policy source unreachable' } });
    expect(failed.statusCode).toBe(503);
    expect(failed.headers).toMatchObject({ 'content-type': 'application/json', 'retry-after': '5' });
    expect(JSON.parse(failed.body!)).toEqual({ jsonrpc: '2.0', error: { code: -32603, message: 'Service temporarily unavailable' }, id: null });
    expect(failed.body).not.toContain('policy source unreachable');
    const served = await flaky(apiEvent('GET', '/healthz'), context);
    expect(served.statusCode).toBe(200);
    expect(calls).toBe(2);
    expect((await flaky(apiEvent('GET', '/healthz'), context)).statusCode).toBe(200);
    expect(calls).toBe(2);
  });

  it('runs nothing while init fails (no audit record, no tool call)', async () => {
    const before = probe.calls;
    const broken = httpApiHandler('test-server', async () => {
      throw new Error('no service');
    });
    const event = await mcpEvent(rpc('tools/call', { name: 'echo', arguments: { message: 'x' } }), { sub: 'lambda-refused' });
    const { value: result } = await capturingLogs('service could not start', () => broken(event, context));
    expect(result.statusCode).toBe(503);
    expect(probe.calls).toBe(before);
    expect(await auditOf('lambda-refused')).toEqual([]);
  });
});

describe('clientAddress', () => {
  const event = (sourceIp: string, forwardedFor?: string) =>
    ({ requestContext: { http: { sourceIp } }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as APIGatewayProxyEventV2;

  it('is the gateway’s sourceIp when nothing trusted stands in front of it', () => {
    expect(clientAddress(event('203.0.113.9', '198.51.100.1, 203.0.113.9'), 0)).toBe('203.0.113.9');
  });

  it('behind CloudFront, is the viewer CloudFront appended, never an address the client wrote', () => {
    expect(clientAddress(event('130.176.0.10', '6.6.6.6, 203.0.113.9, 130.176.0.10'), 1)).toBe('203.0.113.9');
    expect(clientAddress(event('130.176.0.10', '203.0.113.9'), 1)).toBe('203.0.113.9');
    expect(clientAddress(event('130.176.0.10'), 1)).toBe('130.176.0.10');
  });
});

describe('createLambdaService and lambdaEntries', () => {
  let dir: string;
  let policyFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lambda-test-'));
    policyFile = join(dir, 'policy.json');
    await writeFile(policyFile, JSON.stringify(pinned({ tools: [{ name: 'echo' }] })));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const definition = () => ({ name: 'entry-server', version: '9.9.9', access: 'read' as const, tools: testTools().slice(0, 1), deps: { calls: 0 } as Probe, logger: createLogger('entry-server', 'SILENT') });
  const baseEnv = () => ({
    PORT: '0',
    AUTH_ISSUER: issuer.issuer.issuer,
    LOG_LEVEL: 'SILENT',
    GOVERNANCE_FILE: policyFile,
    AUDIT_TABLE: 'audit',
    AWS_REGION: 'local',
    DYNAMODB_ENDPOINT: governance.dynamodb.endpoint,
  });

  it('requires PUBLIC_URL', async () => {
    const env = parseEnv(ServiceEnvSchema, { ...baseEnv(), AUDIT_HMAC_KEY: TEST_HMAC_KEY.toString('base64') });
    const error = await createLambdaService(env, definition()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables).toEqual(['PUBLIC_URL']);
  });

  it('builds the service from SSM-filled env on the first event, and audits into the configured table', async () => {
    ssm.put('/gmcp/entry/audit-key', TEST_HMAC_KEY.toString('base64'), 'SecureString');
    const before = ssm.requests;
    const env = { ...baseEnv(), PUBLIC_URL, AUDIT_HMAC_KEY_PARAMETER: '/gmcp/entry/audit-key', SSM_ENDPOINT: ssm.endpoint };
    const entryServer = defineServer({ name: 'entry-server', version: '9.9.9', access: 'read', env: ServiceEnvSchema, tools: definition().tools, deps: () => definition().deps });
    const entries = lambdaEntries(entryServer, env);
    const health = await entries.handler(apiEvent('GET', '/healthz'), context);
    expect(JSON.parse(health.body!)).toEqual({ status: 'ok', service: 'entry-server', version: '9.9.9' });
    expect(ssm.requests - before).toBe(1);
    const called = await entries.handler(await mcpEvent(rpc('tools/call', { name: 'echo', arguments: { message: 'entry' } }), { sub: 'entry-caller' }), context);
    expect(rpcBody(called).result!.structuredContent).toEqual({ message: 'entry', caller: 'entry-caller' });
    expect((await auditOf('entry-caller')).map((record) => record.server)).toEqual(['entry-server', 'entry-server']);
    // The service is kept: no second SSM read.
    expect(ssm.requests - before).toBe(1);
    await expect(entries.executor({ approval_id: 'a' })).rejects.toThrow(/no high-risk tools/);
  });

  it('builds the API function\'s service before its first event (`ready`, awaited in INIT), and nothing in the bundle\'s other functions', async () => {
    ssm.put('/gmcp/entry/init-key', TEST_HMAC_KEY.toString('base64'), 'SecureString');
    const env = { ...baseEnv(), PUBLIC_URL, AUDIT_HMAC_KEY_PARAMETER: '/gmcp/entry/init-key', SSM_ENDPOINT: ssm.endpoint };
    const entryServer = defineServer({ name: 'entry-server', version: '9.9.9', access: 'read', env: ServiceEnvSchema, tools: definition().tools, deps: () => definition().deps });

    const before = ssm.requests;
    const notifierFunction = lambdaEntries(entryServer, { ...env, _HANDLER: 'index.notifier' });
    await notifierFunction.ready;
    await lambdaEntries(entryServer, env).ready; // no _HANDLER: not on Lambda, nothing ahead
    expect(ssm.requests).toBe(before);

    const apiFunction = lambdaEntries(entryServer, { ...env, _HANDLER: 'index.handler' });
    await apiFunction.ready;
    expect(ssm.requests - before).toBe(1);
    const called = await apiFunction.handler(await mcpEvent(rpc('tools/call', { name: 'echo', arguments: { message: 'warm' } }), { sub: 'init-caller' }), context);
    expect(rpcBody(called).result!.structuredContent).toEqual({ message: 'warm', caller: 'init-caller' });
    expect(ssm.requests - before).toBe(1);
  });

  it('settles `ready` when the build fails, and the first event tries again: 503 while the key is missing, served once it exists', async () => {
    const env = { ...baseEnv(), PUBLIC_URL, AUDIT_HMAC_KEY_PARAMETER: '/gmcp/entry/late-key', SSM_ENDPOINT: ssm.endpoint, _HANDLER: 'index.handler' };
    const entryServer = defineServer({ name: 'entry-server', version: '9.9.9', access: 'read', env: ServiceEnvSchema, tools: definition().tools, deps: () => definition().deps });
    const entries = lambdaEntries(entryServer, env);
    await expect(entries.ready).resolves.toBeUndefined();
    expect((await entries.handler(apiEvent('GET', '/healthz'), context)).statusCode).toBe(503);
    ssm.put('/gmcp/entry/late-key', TEST_HMAC_KEY.toString('base64'), 'SecureString');
    expect((await entries.handler(apiEvent('GET', '/healthz'), context)).statusCode).toBe(200);
  });

  it('settles `ready` within its INIT budget when the build hangs (an Aurora cluster resuming), and the first event waits for the build', async () => {
    // An SSM endpoint that answers only when released.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let asked = 0;
    const slowSsm = createServer((req, res) => {
      asked += 1;
      void released.then(async () => {
        const upstream = await fetch(ssm.endpoint, { method: 'POST', headers: req.headers as Record<string, string>, body: await bodyOf(req) });
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/x-amz-json-1.1' }).end(await upstream.text());
      });
    });
    await new Promise<void>((listening) => slowSsm.listen(0, '127.0.0.1', listening));
    try {
      ssm.put('/gmcp/entry/slow-key', TEST_HMAC_KEY.toString('base64'), 'SecureString');
      const endpoint = `http://127.0.0.1:${(slowSsm.address() as AddressInfo).port}`;
      const env = { ...baseEnv(), PUBLIC_URL, AUDIT_HMAC_KEY_PARAMETER: '/gmcp/entry/slow-key', SSM_ENDPOINT: endpoint, _HANDLER: 'index.handler' };
      const entryServer = defineServer({ name: 'entry-server', version: '9.9.9', access: 'read', env: ServiceEnvSchema, tools: definition().tools, deps: () => definition().deps });
      const entries = lambdaEntries(entryServer, env, { initBudgetMs: 100 });
      const started = Date.now();
      await entries.ready;
      expect(Date.now() - started).toBeLessThan(2_000);
      const health = entries.handler(apiEvent('GET', '/healthz'), context);
      release();
      expect((await health).statusCode).toBe(200);
      expect(asked).toBe(1); // the first event joined the build INIT started
    } finally {
      slowSsm.close();
    }
  });

  it("fetches the issuer's keys without waiting for SSM: they need no secret", async () => {
    // A key set served through a counter, so that the test sees when it is fetched.
    let fetched = 0;
    const jwks = createServer((_req, res) => {
      fetched += 1;
      void fetch(issuer.issuer.jwksUrl).then(async (upstream) => res.writeHead(200, { 'content-type': 'application/json' }).end(await upstream.text()));
    });
    await new Promise<void>((listening) => jwks.listen(0, '127.0.0.1', listening));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    ssm.setAvailable(false);
    try {
      const env = { ...baseEnv(), PUBLIC_URL, AUTH_JWKS_URL: jwksUrl, AUDIT_HMAC_KEY_PARAMETER: '/gmcp/entry/audit-key', SSM_ENDPOINT: ssm.endpoint };
      const entryServer = defineServer({ name: 'entry-server', version: '9.9.9', access: 'read', env: ServiceEnvSchema, tools: definition().tools, deps: () => definition().deps });
      const health = await lambdaEntries(entryServer, env).handler(apiEvent('GET', '/healthz'), context);
      // The start failed on SSM, and the key set was being fetched all the same.
      expect(health.statusCode).toBe(503);
      await waitUntil(() => fetched === 1);
    } finally {
      ssm.setAvailable(true);
      jwks.close();
    }
    expect(fetchKeysEarly({ AUTH_ISSUER: 'not a url' })).toBeUndefined();
  });

  it('reads the allowlist ahead of the app from the kit’s variables, and leaves bad variables to the app’s own parse', async () => {
    const valid = { ...baseEnv(), PUBLIC_URL, AUDIT_HMAC_KEY: TEST_HMAC_KEY.toString('base64') };
    const ahead = readAhead('entry-server', valid)!;
    await ahead.ready;
    expect((await ahead.governance.policy.current()).tools.map((tool) => tool.name)).toEqual(['echo']);
    expect(readAhead('entry-server', { ...valid, PUBLIC_URL: undefined })).toBeUndefined();
    expect(readAhead('entry-server', { ...valid, AUDIT_HMAC_KEY: 'short' })).toBeUndefined();
  });
});

describe('approvalTaskHandlers', () => {
  const wiped: string[] = [];
  const notified: string[] = [];
  const wipeVolume = wipeVolumeTool(wiped);
  let approvalService: McpService;
  let store: ApprovalStore;

  beforeAll(async () => {
    const client = createDynamoDbClient({ region: 'local', endpoint: governance.dynamodb.endpoint });
    await ensureTables(client, [approvalTableDefinition('task-approvals')]);
    store = createDynamoDbApprovalStore(client, 'task-approvals');
    const notifier = { notify: async (pending: { approval_id: string }) => void notified.push(pending.approval_id) };
    approvalService = testService(
      testConfig(issuer.issuer.issuer, { PUBLIC_URL }),
      { calls: 0 },
      {
        ...governance.adapters,
        policy: createCachedPolicy({
          source: { description: 'approval test policy', read: async () => JSON.stringify(pinned({ tools: [{ name: 'wipe_volume' }, { name: 'get_request_status' }] })) },
          ttlMs: 0,
          maxStalenessMs: 60_000,
          metrics: governance.metrics,
          logger: createLogger('test', 'SILENT'),
        }),
        approvals: { store, signer: createDecisionSigner(Buffer.alloc(32, 9)), ttlSeconds: 600, workflow: (run) => createLocalWorkflow(run, notifier), notifier },
      },
      { access: 'write', tools: [wipeVolume] },
    );
  });
  afterAll(() => approvalService.close());

  it('rejects a malformed executor event with zod before the service is built', async () => {
    let inits = 0;
    const { executor } = approvalTaskHandlers(async () => (inits++, approvalService));
    for (const event of [{}, { approval_id: '' }, { approval_id: 'x'.repeat(129) }, { approval_id: 42 }, null, 'a-string']) {
      await expect(executor(event)).rejects.toBeInstanceOf(z.ZodError);
    }
    expect(inits).toBe(0);
  });

  it('rejects a malformed notifier event with zod, and records nothing', async () => {
    const { notifier } = approvalTaskHandlers(async () => approvalService);
    for (const event of [{}, { approval_id: randomUUID() }, { task_token: 'token' }, { approval_id: randomUUID(), task_token: '' }, { approval_id: randomUUID(), task_token: 't'.repeat(1025) }]) {
      await expect(notifier(event)).rejects.toBeInstanceOf(z.ZodError);
    }
  });

  it('rejects a malformed notifier event before init runs', async () => {
    let inits = 0;
    const { notifier } = approvalTaskHandlers(async () => {
      inits += 1;
      return approvalService;
    });
    await expect(notifier({ approval_id: 'a' })).rejects.toBeInstanceOf(z.ZodError);
    expect(inits).toBe(0);
  });

  it('refuses both tasks with a clear error on a service without high-risk tools', async () => {
    const plain = lambdaService();
    try {
      const { notifier, executor } = approvalTaskHandlers(async () => plain);
      await expect(executor({ approval_id: randomUUID() })).rejects.toThrow(new ConfigError('This server has no high-risk tools, so it has no approval tasks', []));
      await expect(notifier({ approval_id: randomUUID(), task_token: 'token' })).rejects.toBeInstanceOf(ConfigError);
    } finally {
      await plain.close();
    }
  });

  it('records the task token of a pending request (extra fields ignored), and the executor refuses an undecided one', async () => {
    const handler = httpApiHandler('test-server', async () => approvalService);
    const called = await handler(await mcpEvent(rpc('tools/call', { name: 'wipe_volume', arguments: { volume: 'vol-7' } }), { sub: 'alice', scopes: ['storage:write'] }), context);
    const { approval_id, status } = rpcBody(called).result!.structuredContent as { approval_id: string; status: string };
    expect(status).toBe('pending_approval');
    const { notifier, executor } = approvalTaskHandlers(async () => approvalService);
    expect(await notifier({ approval_id, task_token: 'task-token-1', execution: 'ignored' })).toEqual({ approval_id, state: 'waiting' });
    expect((await store.get(approval_id))!.task_token).toBe('task-token-1');
    expect(notified).toContain(approval_id);
    await expect(executor({ approval_id })).rejects.toThrow(`Approval ${approval_id} cannot run: it is pending`);
    expect(wiped).toEqual([]);
  });
});

describe('edgeGuard (config with edgeSecret)', () => {
  const secret = 's'.repeat(48);
  let guarded: McpService;
  let probe: Probe;

  beforeAll(() => {
    probe = { calls: 0 };
    guarded = testService(testConfig(issuer.issuer.issuer, { EDGE_SECRET: secret }), probe, governance.adapters);
  });
  afterAll(() => guarded.close());

  const call = async (subject: string, edge?: string) => {
    const pending = request(guarded.app)
      .post('/mcp')
      .set(MCP_HEADERS)
      .set('Authorization', `Bearer ${await issuer.token({ sub: subject, scopes: ['echo:read'] })}`);
    if (edge !== undefined) pending.set(EDGE_SECRET_HEADER, edge);
    return pending.send(rpc('tools/call', { name: 'echo', arguments: { message: 'edge' } }));
  };

  it.each([
    ['missing', undefined],
    ['wrong (same length)', 'x'.repeat(48)],
    ['wrong (a prefix)', secret.slice(0, 47)],
    ['wrong (longer)', `${secret}s`],
  ])('refuses a request whose edge header is %s with 403, and audits nothing', async (_label, edge) => {
    const subject = `edge-${randomUUID()}`;
    const response = await call(subject, edge);
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ error: 'forbidden', error_description: 'Requests must come through the service URL' });
    expect(probe.calls).toBe(0);
    expect(await auditOf(subject)).toEqual([]);
  });

  it('refuses even the public routes without the header', async () => {
    await request(guarded.app).get('/healthz').expect(403);
    await request(guarded.app).get('/.well-known/oauth-protected-resource/mcp').expect(403);
    await request(guarded.app).get('/healthz').set(EDGE_SECRET_HEADER, secret).expect(200);
  });

  it('accepts the previous value as well during a rotation, and nothing else', async () => {
    const rotating = testService(testConfig(issuer.issuer.issuer, { EDGE_SECRET: `${'n'.repeat(40)}\n${secret}` }), { calls: 0 }, governance.adapters);
    try {
      await request(rotating.app).get('/healthz').set(EDGE_SECRET_HEADER, 'n'.repeat(40)).expect(200);
      await request(rotating.app).get('/healthz').set(EDGE_SECRET_HEADER, secret).expect(200);
      await request(rotating.app).get('/healthz').set(EDGE_SECRET_HEADER, 'o'.repeat(40)).expect(403);
    } finally {
      await rotating.close();
    }
  });

  it('serves (and audits) a request with the right header', async () => {
    const response = await call('edge-allowed', secret);
    expect(response.status).toBe(200);
    expect(probe.calls).toBe(1);
    expect((await auditOf('edge-allowed')).map((record) => record.event).sort()).toEqual(['tool_allowed', 'tool_completed']);
  });

  it('lets everything through when no secret is configured', async () => {
    const open = lambdaService();
    try {
      await request(open.app).get('/healthz').set('Host', 'mcp.example.com').expect(200);
    } finally {
      await open.close();
    }
  });
});

describe('reportApprovalBacklog (DynamoDB approval store on dynalite)', () => {
  const now = new Date('2030-06-01T12:00:00.000Z');
  let store: ApprovalStore;

  const approval = (requestedAt: Date, status: ApprovalRequest['status'] = 'pending'): ApprovalRequest =>
    testApprovalRequest({ status, requested_at: requestedAt.toISOString(), expires_at: new Date(requestedAt.getTime() + 3_600_000).toISOString() });

  const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);

  beforeAll(async () => {
    const client = createDynamoDbClient({ region: 'local', endpoint: governance.dynamodb.endpoint });
    await ensureTables(client, [approvalTableDefinition('backlog-approvals')]);
    store = createDynamoDbApprovalStore(client, 'backlog-approvals');
  });

  it('reports 0 when nothing is pending (a decided old request does not count)', async () => {
    await store.create(approval(ago(86_400), 'executed'));
    const metrics = createMemoryMetrics();
    expect(await reportApprovalBacklog(store, metrics, 'ops-writer', now)).toEqual({ oldest_approval_id: null, age_seconds: 0 });
    expect(metrics.snapshot().gauges).toEqual({ 'ApprovalBacklogAgeSeconds{server=ops-writer}': 0 });
  });

  it('reports the age of the oldest pending request', async () => {
    const oldest = approval(ago(1_250));
    for (const entry of [approval(ago(300)), oldest, approval(ago(20)), approval(ago(40_000), 'rejected')]) await store.create(entry);
    const metrics = createMemoryMetrics();
    expect(await reportApprovalBacklog(store, metrics, 'ops-writer', now)).toEqual({ oldest_approval_id: oldest.approval_id, age_seconds: 1_250 });
    expect(metrics.snapshot().gauges).toEqual({ 'ApprovalBacklogAgeSeconds{server=ops-writer}': 1_250 });
  });

  it('never reports a negative age (a request stamped after now)', async () => {
    const metrics = createMemoryMetrics();
    expect((await reportApprovalBacklog(store, metrics, 'ops-writer', ago(100_000))).age_seconds).toBe(0);
  });

  it('runs as the scheduled handler from the environment', async () => {
    const client = createDynamoDbClient({ region: 'local', endpoint: governance.dynamodb.endpoint });
    await ensureTables(client, [approvalTableDefinition('backlog-handler')]);
    const requested = new Date(Date.now() - 3_600_000);
    const pending = approval(requested);
    await createDynamoDbApprovalStore(client, 'backlog-handler').create(pending);
    const report = await approvalBacklogHandler('ops-writer', { APPROVAL_TABLE: 'backlog-handler', AWS_REGION: 'local', DYNAMODB_ENDPOINT: governance.dynamodb.endpoint })();
    expect(report.oldest_approval_id).toBe(pending.approval_id);
    expect(report.age_seconds).toBeGreaterThanOrEqual(3_600);
    expect(report.age_seconds).toBeLessThan(3_700);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function bodyOf(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}
