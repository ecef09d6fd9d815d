import request from 'supertest';
import {
  jsonRpcBody,
  MCP_HEADERS,
  rpc,
  startTestGovernance,
  startTestIssuer,
  TEST_HMAC_KEY,
  testConfig,
  testService,
  type Probe,
  type TestGovernance,
  type TestIssuer,
} from './support/harness';
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { auditItemKey, checkCallPairs, checkWriterChains, createDynamoDbClient, createRecordSigner, METRIC, type AuditRecord, type AuditStore, type McpService } from '../src/platform';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(() => issuer.stop());

const signer = createRecordSigner(TEST_HMAC_KEY);
const since = () => new Date(Date.now() - 60_000);

async function records(store: AuditStore, filter: { actor?: string; tool?: string } = {}): Promise<AuditRecord[]> {
  return (await store.query({ ...filter, since: since(), limit: 1000 })).records.reverse();
}

function harness(options: { ttlMs?: number; maxStalenessMs?: number } = {}) {
  const state = {} as { governance: TestGovernance; service: McpService; probe: Probe };
  beforeEach(async () => {
    state.governance = await startTestGovernance(options);
    state.probe = { calls: 0 };
    state.service = testService(testConfig(issuer.issuer.issuer), state.probe, state.governance.adapters);
  });
  afterEach(async () => {
    await state.service.close();
    await state.governance.stop();
  });
  const post = async (body: unknown, { scopes = ['echo:read'], sub = 'alice' } = {}) =>
    request(state.service.app)
      .post('/mcp')
      .set(MCP_HEADERS)
      .set('User-Agent', 'governance-test/1.0')
      .set('Authorization', `Bearer ${await issuer.token({ sub, scopes })}`)
      .send(body as object);
  const listNames = async () => ((jsonRpcBody(await post(rpc('tools/list'))).result!.tools as { name: string }[]).map((tool) => tool.name).sort());
  return { state, post, listNames };
}

describe('allowlist', () => {
  const { state, post, listNames } = harness();

  it('hides a tool that is not allowlisted and refuses it as unknown, with an audit record', async () => {
    state.governance.setPolicy({ tools: [{ name: 'explode' }] });
    expect(await listNames()).toEqual(['explode']);

    const body = jsonRpcBody(await post(rpc('tools/call', { name: 'echo', arguments: { message: 'hi' } })));
    expect(body.error).toMatchObject({ code: -32602, message: expect.stringContaining('Unknown tool: echo') });
    expect(state.probe.calls).toBe(0);
    const [record] = await records(state.governance.auditStore);
    expect(record).toMatchObject({ event: 'tool_denied', decision: 'denied', reason: 'not_allowlisted', tool: 'echo', actor: { subject: 'alice' } });
    expect(state.governance.metrics.counter(METRIC.toolDenied, { server: 'test-server', reason: 'not_allowlisted' })).toBe(1);
  });

  it('denies everything when the policy names no tools', async () => {
    state.governance.setPolicy({ tools: [] });
    expect(await listNames()).toEqual([]);
  });
});

describe('allowlist source failures (fail closed)', () => {
  const { state, listNames } = harness({ ttlMs: 50, maxStalenessMs: 400 });
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('allows nothing when the source cannot be read at start, and recovers when it can', async () => {
    state.governance.breakPolicySource(true);
    expect(await listNames()).toEqual([]);
    expect(state.governance.metrics.counter(METRIC.policyLoadFailures)).toBe(1);
    state.governance.breakPolicySource(false);
    await wait(60);
    expect(await listNames()).toContain('echo');
  });

  it('keeps the last good list up to the maximum staleness, then allows nothing', async () => {
    expect(await listNames()).toContain('echo');
    state.governance.breakPolicySource(true);
    await wait(100);
    expect(await listNames()).toContain('echo');
    await wait(400);
    expect(await listNames()).toEqual([]);
    expect(state.governance.metrics.counter(METRIC.policyExpired)).toBeGreaterThan(0);
  });

  it('picks up a change within the TTL, without a restart', async () => {
    expect(await listNames()).toContain('echo');
    state.governance.setPolicy({ tools: [{ name: 'explode' }] });
    await wait(60);
    expect(await listNames()).toEqual(['explode']);
  });
});

describe('audit trail', () => {
  const { state, post } = harness();

  it('writes a decision record before the call and an outcome record after it, both signed', async () => {
    const response = await post(rpc('tools/call', { name: 'echo', arguments: { message: 'hi' } }, 7));
    expect(jsonRpcBody(response).result!.structuredContent).toEqual({ message: 'hi', caller: 'alice' });
    const [allowed, completed] = await records(state.governance.auditStore);
    const common = {
      server: 'test-server',
      server_version: '1.2.3',
      request_id: response.headers['x-request-id'],
      call_id: '7',
      tool: 'echo',
      actor: { subject: 'alice', client_id: 'dev-cli' },
      source: { ip: expect.stringMatching(/127\.0\.0\.1/), user_agent: 'governance-test/1.0' },
      decision: 'allowed',
      risk: 'low',
      arguments: '{"message":"hi"}',
    };
    expect(allowed).toMatchObject({ ...common, event: 'tool_allowed', reason: 'policy_allowed' });
    expect(completed).toMatchObject({ ...common, event: 'tool_completed', reason: 'completed', outcome: 'ok', output_classification: 'public' });
    expect(completed!.duration_ms).toBeGreaterThanOrEqual(0);
    expect(allowed!.event_id < completed!.event_id).toBe(true);
    expect(signer.verify(allowed!)).toBe(true);
    expect(signer.verify({ ...completed!, reason: 'edited' })).toBe(false);
  });

  it('chains each writer’s records, so a record deleted from the middle shows at once, before any digest', async () => {
    for (let call = 0; call < 4; call += 1) await post(rpc('tools/call', { name: 'echo', arguments: { message: `m${call}` } }, call));
    await post(rpc('tools/call', { name: 'echo', arguments: {} }, 9));
    const written = await records(state.governance.auditStore);
    const range = { since: new Date(Date.now() - 5 * 60_000), until: new Date(Date.now() + 20 * 60_000) };
    expect(new Set(written.map((record) => record.writer!.id)).size).toBe(1);
    expect(written.map((record) => record.writer!.seq).sort((a, b) => a - b)).toEqual(written.map((_, index) => index + 1));
    expect([...checkWriterChains(written), ...checkCallPairs(written, range)]).toEqual([]);

    // An intruder deletes the outcome of the second call.
    const victim = written.filter((record) => record.event === 'tool_completed')[1]!;
    const client = createDynamoDbClient({ region: 'local', endpoint: state.governance.dynamodb.endpoint });
    await client.send(new DeleteItemCommand({ TableName: 'audit', Key: auditItemKey(victim) }));
    const remaining = await records(state.governance.auditStore);
    expect(checkWriterChains(remaining)).toEqual([{ kind: 'writer_gap', detail: expect.stringContaining(`record ${victim.writer!.seq} is missing`) }]);
    expect(checkCallPairs(remaining, range)).toEqual([{ kind: 'call_without_outcome', detail: expect.stringContaining('echo') }]);

    // Or a write-ahead record: the outcome is then unpaired too.
    const allowed = remaining.find((record) => record.event === 'tool_allowed' && record.call_id === '3')!;
    await client.send(new DeleteItemCommand({ TableName: 'audit', Key: auditItemKey(allowed) }));
    expect(checkCallPairs(await records(state.governance.auditStore), range)).toContainEqual({ kind: 'outcome_without_call', detail: expect.stringContaining('tool_completed without its tool_allowed record') });
    client.destroy();
  });

  it('records the error class of a failed call', async () => {
    await post(rpc('tools/call', { name: 'explode', arguments: { expected: false } }));
    const outcome = (await records(state.governance.auditStore)).find((record) => record.event === 'tool_completed');
    expect(outcome).toMatchObject({ outcome: 'internal_error', output_classification: 'internal' });
  });

  it('redacts fields marked sensitive, at any depth, in records of allowed and refused calls', async () => {
    const args = { user: 'bob', password: 'hunter2', extras: [{ label: 'pin', secret: '1234' }, { label: 'plain' }] };
    await post(rpc('tools/call', { name: 'connect_account', arguments: args }));
    await post(rpc('tools/call', { name: 'connect_account', arguments: { ...args, user: 42 } }));
    const all = await records(state.governance.auditStore);
    expect(all.map((record) => record.event)).toEqual(['tool_allowed', 'tool_completed', 'tool_denied']);
    for (const record of all) expect(JSON.stringify(record)).not.toMatch(/hunter2|1234/);
    expect(JSON.parse(all[0]!.arguments!)).toEqual({ user: 'bob', password: '[REDACTED]', extras: [{ label: 'pin', secret: '[REDACTED]' }, { label: 'plain' }] });
    expect(all[2]).toMatchObject({ reason: 'invalid_input' });
    expect(JSON.parse(all[2]!.arguments!)).toMatchObject({ user: 42, password: '[REDACTED]' });
  });

  it('audits a call refused for a missing scope', async () => {
    const response = await post(rpc('tools/call', { name: 'admin_report', arguments: {} }));
    expect(response.status).toBe(403);
    expect(await records(state.governance.auditStore)).toEqual([
      expect.objectContaining({ event: 'tool_denied', reason: 'insufficient_scope', tool: 'admin_report', risk: 'medium' }),
    ]);
  });

  it('audits authentication failures without an actor', async () => {
    await request(state.service.app).post('/mcp').set(MCP_HEADERS).set('Authorization', 'Bearer not.a.jwt').send(rpc('tools/list')).expect(401);
    const [record] = await records(state.governance.auditStore);
    expect(record).toMatchObject({ event: 'auth_failed', decision: 'denied', reason: 'authentication:malformed_token' });
    expect(record!.actor).toBeUndefined();
    expect(state.governance.metrics.counter(METRIC.authFailures, { server: 'test-server', reason: 'malformed_token' })).toBe(1);
  });

  it('queries by actor and tool', async () => {
    await post(rpc('tools/call', { name: 'echo', arguments: { message: 'a' } }), { sub: 'alice' });
    await post(rpc('tools/call', { name: 'echo', arguments: { message: 'b' } }), { sub: 'bob' });
    await post(rpc('tools/call', { name: 'explode', arguments: { expected: true } }), { sub: 'bob' });
    expect((await records(state.governance.auditStore, { actor: 'bob' })).map((record) => record.tool)).toEqual(['echo', 'echo', 'explode', 'explode']);
    expect((await records(state.governance.auditStore, { tool: 'echo' })).map((record) => record.actor?.subject)).toEqual(['alice', 'alice', 'bob', 'bob']);
  });
});

describe('fail closed on audit', () => {
  const { state, post } = harness();

  it('runs no handler and answers a retryable 503 while the audit store is down, then recovers', async () => {
    const store = state.governance.auditStore;
    let down = true;
    const original = store.append.bind(store);
    store.append = async (record) => {
      if (down) throw new Error('connection refused');
      return original(record);
    };

    const refused = await post(rpc('tools/call', { name: 'echo', arguments: { message: 'hi' } }));
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.body.error).toBe('temporarily_unavailable');
    expect(state.probe.calls).toBe(0);
    // The write-ahead record, then the denial that says why the call did not run: both lost (and logged whole).
    expect(state.governance.metrics.counter(METRIC.auditWriteFailures, { server: 'test-server' })).toBe(2);

    down = false;
    const accepted = await post(rpc('tools/call', { name: 'echo', arguments: { message: 'hi' } }));
    expect(accepted.status).toBe(200);
    expect(state.probe.calls).toBe(1);
  });
});

describe('rate limits and concurrency', () => {
  const { state, post } = harness();

  it('answers 429 with Retry-After over the per-actor, per-tool limit, and audits it', async () => {
    state.governance.setPolicy({ tools: [{ name: 'echo' }], limits: { per_actor_per_tool: { requests: 2, window_seconds: 60 } } });
    const call = () => post(rpc('tools/call', { name: 'echo', arguments: { message: 'x' } }));
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
    const limited = await call();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(state.probe.calls).toBe(2);
    // The same subject in other case is the same person: no fresh budget.
    expect((await post(rpc('tools/call', { name: 'echo', arguments: { message: 'x' } }), { sub: 'ALICE' })).status).toBe(429);
    // Another actor has its own budget.
    expect((await post(rpc('tools/call', { name: 'echo', arguments: { message: 'x' } }), { sub: 'carol' })).status).toBe(200);
    const denied = (await records(state.governance.auditStore)).filter((record) => record.reason === 'rate_limited');
    expect(denied).toHaveLength(2);
    expect(state.governance.metrics.counter(METRIC.rateLimited, { server: 'test-server', tool: 'echo' })).toBe(2);
  });

  it('applies per-tool overrides and the per-server limit', async () => {
    state.governance.setPolicy({
      tools: [{ name: 'echo' }, { name: 'explode' }],
      limits: { per_server: { requests: 3, window_seconds: 60 }, tools: { explode: { requests: 1, window_seconds: 60 } } },
    });
    expect((await post(rpc('tools/call', { name: 'explode', arguments: { expected: true } }))).status).toBe(200);
    expect((await post(rpc('tools/call', { name: 'explode', arguments: { expected: true } }))).status).toBe(429);
    // The server budget (3) counts calls that passed their per-actor limit: explode once, then two echoes.
    expect((await post(rpc('tools/call', { name: 'echo', arguments: { message: 'x' } }), { sub: 'dan' })).status).toBe(200);
    expect((await post(rpc('tools/call', { name: 'echo', arguments: { message: 'x' } }), { sub: 'erin' })).status).toBe(200);
    expect((await post(rpc('tools/call', { name: 'echo', arguments: { message: 'x' } }), { sub: 'frank' })).status).toBe(429);
  });

  it('caps calls in flight with a retryable 503', async () => {
    state.governance.setPolicy({ tools: [{ name: 'echo' }], limits: { max_concurrency: 1 } });
    let release!: () => void;
    state.probe.hold = new Promise((resolve) => (release = resolve));
    const first = post(rpc('tools/call', { name: 'echo', arguments: { message: 'slow' } }));
    while (state.probe.calls === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await post(rpc('tools/call', { name: 'echo', arguments: { message: 'second' } }));
    expect(second.status).toBe(503);
    expect(second.headers['retry-after']).toBe('1');
    release();
    expect((await first).status).toBe(200);
    state.probe.hold = undefined;
    expect((await post(rpc('tools/call', { name: 'echo', arguments: { message: 'third' } }))).status).toBe(200);
  });

  it('refuses batched tool calls, and audits each refused call', async () => {
    const response = await post([rpc('tools/call', { name: 'echo', arguments: { message: 'a' } }, 1), rpc('tools/call', { name: 'explode', arguments: { expected: true } }, 2)]);
    expect(response.status).toBe(400);
    expect(state.probe.calls).toBe(0);
    expect((await records(state.governance.auditStore)).map((record) => record.reason)).toEqual(['batch_not_supported', 'batch_not_supported']);
  });

  it('governs only messages the protocol layer accepts, so nothing is recorded as allowed that cannot run', async () => {
    for (const malformed of [{ ...rpc('tools/call', { name: 'echo', arguments: { message: 'a' } }), id: 1.5 }, { id: 2, method: 'tools/call', params: { name: 'echo', arguments: { message: 'a' } } }]) {
      const response = await post(malformed);
      expect(response.status).toBe(400);
    }
    expect(state.probe.calls).toBe(0);
    expect(await records(state.governance.auditStore)).toEqual([]);
  });

  it('releases the slot and records tool_not_run when the client goes away before the call runs', async () => {
    state.governance.setPolicy({ tools: [{ name: 'echo' }], limits: { max_concurrency: 1 } });
    const { createServer } = await import('node:http');
    const server = createServer(state.service.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const token = await issuer.token({ scopes: ['echo:read'] });
    // The client goes away while the decision record is being written (not on a timer: under
    // load a timer can fire before the request even reaches the gate), and the store answers slowly.
    const store = state.governance.auditStore;
    const append = store.append.bind(store);
    const { request: httpRequest } = await import('node:http');
    const aborted = httpRequest({ port, host: '127.0.0.1', path: '/mcp', method: 'POST', headers: { ...MCP_HEADERS, authorization: `Bearer ${token}` } });
    aborted.on('error', () => undefined);
    store.append = async (record) => {
      if (record.event === 'tool_allowed') aborted.destroy();
      await new Promise((resolve) => setTimeout(resolve, 50));
      return append(record);
    };
    aborted.end(JSON.stringify(rpc('tools/call', { name: 'echo', arguments: { message: 'gone' } })));
    const events = async () => (await records(state.governance.auditStore)).map((record) => record.event);
    for (let waited = 0; waited < 5000 && !(await events()).includes('tool_not_run'); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    store.append = append;

    expect(state.probe.calls).toBe(0);
    const after = await post(rpc('tools/call', { name: 'echo', arguments: { message: 'next' } }));
    expect(after.status).toBe(200);
    expect((await records(state.governance.auditStore)).map((record) => record.event)).toEqual(['tool_allowed', 'tool_not_run', 'tool_allowed', 'tool_completed']);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
