import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { loadOrCreateSigningKey, mintAccessToken, startDevIssuer, type DevIssuer, type SigningKey } from '@gmcp/dev-issuer';
import {
  buildServiceConfig,
  createLogger,
  createService,
  defineTool,
  parseEnv,
  ServiceEnvSchema,
  ToolError,
  type McpService,
  type ServiceConfig,
  type ServiceDefinition,
  type ToolContext,
} from '../../src';

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
    parseEnv(ServiceEnvSchema, { PORT: '9999', AUTH_ISSUER: issuer, LOG_LEVEL: 'SILENT', ...env }),
  );
}

/** Counts handler runs so tests can prove a refused call never reached the handler. */
export interface Probe {
  calls: number;
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
  return [echo, failing, badOutput, admin];
}

export function testService(config: ServiceConfig, probe: Probe, overrides: Partial<ServiceDefinition<Probe>> = {}): McpService {
  return createService(config, {
    name: 'test-server',
    version: '1.2.3',
    access: 'read',
    tools: testTools(),
    deps: probe,
    logger: createLogger('test-server', 'SILENT'),
    ...overrides,
  });
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
