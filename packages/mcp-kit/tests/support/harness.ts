import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { loadOrCreateSigningKey, mintAccessToken, startDevIssuer, type DevIssuer, type SigningKey } from '@gmcp/dev-issuer';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { NEW_REQUEST_STATE, type ApprovalDecision, type ApprovalRequest } from '../../src/approvals/approval-request';
import { startLocalDynamoDb, type LocalDynamoDb } from '@gmcp/local-aws';
import {
  auditTableDefinition,
  createCachedPolicy,
  createDynamoDbAuditStore,
  createDynamoDbClient,
  createMemoryMetrics,
  createMemoryRateLimiter,
  createRecordSigner,
  ensureTables,
  type AuditStore,
  type GovernanceAdapters,
  type MemoryMetrics,
  type PolicySource,
  buildServiceConfig,
  createLogger,
  createService,
  defineTool,
  parseEnv,
  ServiceEnvSchema,
  ToolError,
  sensitive,
  type McpService,
  type ServiceConfig,
  type ServiceDefinition,
  type ToolContext,
  definitionHash,
  servedTools,
  type ToolDefinition,
} from '../../src/platform';
import { createCursorSeals } from '../../src/tool/cursor-seal';

/** A running development issuer with a fresh key, for tests. */
export interface TestIssuer {
  issuer: DevIssuer;
  key: SigningKey;
  token(claims: { sub?: string; scopes?: string[]; audience?: string; ttlSeconds?: number }): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const dir = await mkdtemp(join(tmpdir(), 'kit-test-'));
  const key = await loadOrCreateSigningKey(join(dir, 'key.json'));
  const issuer = await startDevIssuer(key, { port: 0 });
  return {
    issuer,
    key,
    token: ({ sub = 'alice', scopes = [], audience = TEST_AUDIENCE, ttlSeconds = 300 }) =>
      mintAccessToken(key, { issuer: issuer.issuer, subject: sub, audience, scopes, ttlSeconds }),
    stop: async () => {
      await issuer.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const TEST_AUDIENCE = 'http://127.0.0.1:9999/mcp';

export function testConfig(issuer: string, env: Record<string, string> = {}): ServiceConfig {
  return buildServiceConfig(
    parseEnv(ServiceEnvSchema, { PORT: '9999', AUTH_ISSUER: issuer, LOG_LEVEL: 'SILENT', AUDIT_HMAC_KEY: TEST_HMAC_KEY.toString('base64'), ...env }),
  );
}

/** Counts handler runs so tests can prove a refused call never reached the handler. */
export interface Probe {
  calls: number;
  /** When set, the echo handler waits for it (to hold calls in flight). */
  hold?: Promise<void>;
}

export function testTools() {
  const echo = defineTool({
    name: 'echo',
    title: 'Echo',
    description: 'Echoes a message',
    owner: 'platform',
    scope: 'echo:read',
    risk: 'low',
    access: 'read',
    classification: 'public',
    input: z.object({ message: z.string().min(1).max(100) }),
    output: z.object({ message: z.string(), caller: z.string() }),
    handler: async ({ message }, ctx: ToolContext<Probe>) => {
      ctx.deps.calls += 1;
      await ctx.deps.hold;
      return { message, caller: ctx.actor.subject };
    },
    render: ({ message }) => `echo: ${message}`,
  });
  const failing = defineTool({
    name: 'explode',
    title: 'Explode',
    description: 'Fails: with a ToolError when asked to, otherwise with an unexpected exception',
    owner: 'platform',
    scope: 'echo:read',
    risk: 'low',
    access: 'read',
    classification: 'internal',
    input: z.object({ expected: z.boolean() }),
    output: z.object({ never: z.string() }),
    handler: async ({ expected }, ctx: ToolContext<Probe>) => {
      ctx.deps.calls += 1;
      if (expected) throw new ToolError('The widget is out of stock');
      throw new Error('database password is hunter2');
    },
  });
  const badOutput = defineTool({
    name: 'bad_output',
    title: 'Bad output',
    description: 'Returns output that does not match its schema',
    owner: 'platform',
    scope: 'echo:read',
    risk: 'low',
    access: 'read',
    classification: 'internal',
    input: z.object({}),
    output: z.object({ count: z.number() }),
    handler: async (_input, ctx: ToolContext<Probe>) => {
      ctx.deps.calls += 1;
      return { count: 'many' } as unknown as { count: number };
    },
  });
  const admin = defineTool({
    name: 'admin_report',
    title: 'Admin report',
    description: 'Needs the admin scope',
    owner: 'platform',
    scope: 'admin:read',
    risk: 'medium',
    access: 'read',
    classification: 'confidential',
    input: z.object({}),
    output: z.object({ ok: z.boolean() }),
    handler: async (_input, ctx: ToolContext<Probe>) => {
      ctx.deps.calls += 1;
      return { ok: true };
    },
  });
  const login = defineTool({
    name: 'connect_account',
    title: 'Connect account',
    description: 'Takes a credential, which must never be recorded',
    owner: 'platform',
    scope: 'echo:read',
    risk: 'low',
    access: 'read',
    classification: 'internal',
    input: z.object({
      user: z.string(),
      password: sensitive(z.string()),
      extras: z.array(z.object({ label: z.string(), secret: sensitive(z.string()).optional() })).default([]),
    }),
    output: z.object({ connected: z.boolean() }),
    handler: async (_input, ctx: ToolContext<Probe>) => {
      ctx.deps.calls += 1;
      return { connected: true };
    },
  });
  return [echo, failing, badOutput, admin, login];
}

/** Governance adapters over an in-memory dynalite, with a policy the test can rewrite. */
/** A high-risk write tool for approval tests: it records each volume it "wipes" in `wiped`. */
export function wipeVolumeTool(wiped: string[]) {
  return defineTool({
    name: 'wipe_volume',
    title: 'Wipe a volume',
    description: 'Erases a storage volume.',
    owner: 'storage',
    scope: 'storage:write',
    risk: 'high',
    access: 'write',
    classification: 'internal',
    input: z.object({ volume: z.string().regex(/^vol-\d+$/) }),
    output: z.object({ wiped: z.string() }),
    handler: async ({ volume }, _ctx: ToolContext<Probe>) => {
      wiped.push(volume);
      return { wiped: volume };
    },
  });
}

/** An approval request record as the store keeps it (its signature is not checked by the tests using it). */
export function testApprovalRequest(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  const args = JSON.stringify({ service: 'billing' });
  return {
    approval_id: randomUUID(),
    server: 'ops',
    tool: 'restart_service',
    arguments: args,
    arguments_hash: createHash('sha256').update(args).digest('hex'),
    requester: 'alice',
    request_id: 'req-1',
    requested_at: '2030-01-01T00:00:00.000Z',
    expires_at: '2030-01-02T00:00:00.000Z',
    request_signature: 'not-checked-here',
    ...NEW_REQUEST_STATE,
    transitions: [],
    ...overrides,
  };
}

export interface TestGovernance {
  adapters: GovernanceAdapters;
  metrics: MemoryMetrics;
  auditStore: AuditStore;
  dynamodb: LocalDynamoDb;
  /** Replaces the policy served to the cache (which still applies its TTL), pinned unless `pin: false`. */
  setPolicy(policy: unknown, options?: { pin?: boolean }): void;
  /** Makes the policy source fail, as an unreadable file or SSM outage would. */
  breakPolicySource(broken: boolean): void;
  stop(): Promise<void>;
}

/**
 * Pins of the tools tests serve, by name: `setPolicy` fills in the pin of every entry that has
 * none (as `npm run allowlist -- pin` does), unless told not to. Tests with their own tools
 * register them with `pinnable`.
 */
const TEST_PINS = new Map<string, string>();
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any tool's schemas
export function pinnable(tools: readonly ToolDefinition<any, any, any>[]): void {
  for (const tool of servedTools(tools)) TEST_PINS.set(tool.name, definitionHash(tool));
}

/** A policy as the pin command leaves it: each entry naming a known test tool gets its pin. */
export function pinned<P extends { tools: { name: string; definition?: string }[] }>(policy: P): P {
  return { ...policy, tools: policy.tools.map((entry) => (entry.definition || !TEST_PINS.has(entry.name) ? entry : { ...entry, definition: TEST_PINS.get(entry.name) })) };
}

export const ALLOW_TEST_TOOLS = { tools: ['echo', 'explode', 'bad_output', 'admin_report', 'connect_account'].map((name) => ({ name })) };

export async function startTestGovernance(options: { ttlMs?: number; maxStalenessMs?: number } = {}): Promise<TestGovernance> {
  const dynamodb = await startLocalDynamoDb();
  const client = createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint });
  await ensureTables(client, [auditTableDefinition('audit')]);
  const metrics = createMemoryMetrics();
  const auditStore = createDynamoDbAuditStore(client, 'audit');
  pinnable(testTools());
  pinnable([wipeVolumeTool([])]);
  let policyText = JSON.stringify(pinned(ALLOW_TEST_TOOLS));
  let broken = false;
  const source: PolicySource = {
    description: 'test policy',
    read: async () => {
      if (broken) throw new Error('policy source unavailable');
      return policyText;
    },
  };
  return {
    metrics,
    auditStore,
    dynamodb,
    adapters: {
      metrics,
      auditStore,
      signer: createRecordSigner(TEST_HMAC_KEY),
      cursors: createCursorSeals(),
      rateLimiter: createMemoryRateLimiter(),
      policy: createCachedPolicy({ source, ttlMs: options.ttlMs ?? 0, maxStalenessMs: options.maxStalenessMs ?? 60_000, metrics, logger: createLogger('test', 'SILENT') }),
    },
    setPolicy: (policy, { pin = true } = {}) => {
      const known = pin && typeof policy === 'object' && policy !== null && Array.isArray((policy as { tools?: unknown }).tools);
      policyText = JSON.stringify(known ? pinned(policy as { tools: { name: string }[] }) : policy);
    },
    breakPolicySource: (value) => (broken = value),
    stop: () => dynamodb.stop(),
  };
}

export const TEST_HMAC_KEY = randomBytes(32);

export function testService(
  config: ServiceConfig,
  probe: Probe,
  governance: GovernanceAdapters,
  overrides: Partial<ServiceDefinition<Probe>> = {},
): McpService {
  return createService(config, {
    name: 'test-server',
    version: '1.2.3',
    access: 'read',
    tools: testTools(),
    deps: probe,
    logger: createLogger('test-server', 'SILENT'),
    ...overrides,
  }, governance);
}

/** For a test file: one issuer and one governance, and a fresh service (its config from `env`) per test. */
export function withTestService(env: Record<string, string> = {}) {
  const state = {} as { issuer: TestIssuer; governance: TestGovernance; service: McpService; probe: Probe };
  beforeAll(async () => {
    state.issuer = await startTestIssuer();
    state.governance = await startTestGovernance();
  });
  afterAll(async () => {
    await state.issuer.stop();
    await state.governance.stop();
  });
  beforeEach(() => {
    state.probe = { calls: 0 };
    state.service = testService(testConfig(state.issuer.issuer.issuer, env), state.probe, state.governance.adapters);
  });
  afterEach(() => state.service.close());
  return state;
}

/** A 2025-era JSON-RPC POST body. */
export function rpc(method: string, params: Record<string, unknown> = {}, id = 1) {
  return { jsonrpc: '2.0', id, method, params };
}

export const MCP_HEADERS = { Accept: 'application/json, text/event-stream', 'Content-Type': 'application/json' };

/** Reads a JSON-RPC response that may come as JSON or as one SSE `message` event. */
export function jsonRpcBody(response: { text: string; headers: Record<string, string> }): { result?: Record<string, unknown>; error?: { code: number; message: string } } {
  if (String(response.headers['content-type']).startsWith('text/event-stream')) {
    const data = response.text.split('\n').find((line) => line.startsWith('data: '));
    return JSON.parse(data?.slice('data: '.length) ?? '{}');
  }
  return JSON.parse(response.text);
}

/** A decision on a request as the workflow carries it; its signature is not what these tests check. */
export function decisionOn(request: ApprovalRequest, decision: 'approved' | 'rejected', reason: string | null = null): ApprovalDecision {
  return {
    approval_id: request.approval_id,
    arguments_hash: request.arguments_hash,
    request_signature: request.request_signature,
    approver: 'bob',
    decision,
    reason,
    decided_at: '2030-01-01T01:00:00.000Z',
    signature: 'not-checked-here',
  };
}
