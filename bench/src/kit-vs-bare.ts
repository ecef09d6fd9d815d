/**
 * tools/call round trips through the kit (auth, scope gate, per-request governed server)
 * against a bare SDK stateless server with the same trivial tool, on loopback, in one run.
 * Prints p50/p99 latency and calls per second for each, and the kit/bare p50 ratio.
 *
 *   npm run bench            (CALLS=4000 ROUNDS=8 npm run bench for a longer run)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { z } from 'zod';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { loadOrCreateSigningKey, mintAccessToken, startDevIssuer } from '@gmcp/dev-issuer';
import { defineTool, parseEnv, ServiceEnvSchema, startService } from '@gmcp/mcp-kit';

const CALLS = Number(process.env.CALLS ?? 2000);
const ROUNDS = Number(process.env.ROUNDS ?? 4);
const WARMUP = 200;
const TARGET_RATIO = 1.5;

const EchoInput = z.object({ message: z.string().max(100) });
const EchoOutput = z.object({ message: z.string() });

const kitEcho = defineTool({
  name: 'echo',
  title: 'Echo',
  description: 'Echoes a message',
  owner: 'platform',
  scope: 'bench:read',
  risk: 'low',
  access: 'read',
  classification: 'public',
  input: EchoInput,
  output: EchoOutput,
  handler: async ({ message }) => ({ message }),
});

async function startBareServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'bare', version: '1.0.0' });
    server.registerTool('echo', { description: 'Echoes a message', inputSchema: EchoInput, outputSchema: EchoOutput }, async ({ message }) => ({
      content: [{ type: 'text', text: JSON.stringify({ message }) }],
      structuredContent: { message },
    }));
    return server;
  });
  const node = toNodeHandler(handler);
  const app = express();
  app.use(express.json());
  app.post('/mcp', (req, res) => void node(req, res, req.body));
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    stop: async () => {
      await handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function connect(url: string, era: 'legacy' | 'modern', token?: string): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1.0.0' }, era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {});
  const headers = token ? { Authorization: `Bearer ${token}` } : undefined;
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

async function timeCalls(client: Client, count: number, samples: number[]): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    const result = await client.callTool({ name: 'echo', arguments: { message: `m${i}` } });
    samples.push(performance.now() - started);
    if (result.isError) throw new Error(`echo failed: ${JSON.stringify(result.content)}`);
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summarize(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = samples.reduce((sum, value) => sum + value, 0);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), perSecond: (samples.length / total) * 1000 };
}

async function main(): Promise<void> {
  const stateDir = await mkdtemp(join(tmpdir(), 'gmcp-bench-'));
  const key = await loadOrCreateSigningKey(join(stateDir, 'key.json'));
  const issuer = await startDevIssuer(key, { port: 0 });
  const kit = await startService(parseEnv(ServiceEnvSchema, { PORT: '0', AUTH_ISSUER: issuer.issuer, LOG_LEVEL: 'WARN' }), {
    name: 'bench-kit',
    version: '1.0.0',
    access: 'read',
    tools: [kitEcho],
    deps: {},
  });
  const bare = await startBareServer();
  const token = await mintAccessToken(key, { issuer: issuer.issuer, subject: 'bench', audience: kit.url, scopes: ['bench:read'] });

  console.log(`tools/call round trips on loopback: ${ROUNDS} alternating rounds of ${CALLS / ROUNDS} calls each, after ${WARMUP} warm-up calls\n`);
  console.log('era     server   p50 ms   p99 ms   calls/s');
  let worstRatio = 0;
  for (const era of ['legacy', 'modern'] as const) {
    const clients = { kit: await connect(kit.url, era, token), bare: await connect(bare.url, era) };
    const samples = { kit: [] as number[], bare: [] as number[] };
    await timeCalls(clients.kit, WARMUP, []);
    await timeCalls(clients.bare, WARMUP, []);
    for (let round = 0; round < ROUNDS; round += 1) {
      await timeCalls(clients.kit, CALLS / ROUNDS, samples.kit);
      await timeCalls(clients.bare, CALLS / ROUNDS, samples.bare);
    }
    const stats = { kit: summarize(samples.kit), bare: summarize(samples.bare) };
    for (const name of ['kit', 'bare'] as const) {
      const { p50, p99, perSecond } = stats[name];
      console.log(`${era.padEnd(7)} ${name.padEnd(8)} ${p50.toFixed(3).padStart(6)}   ${p99.toFixed(3).padStart(6)}   ${perSecond.toFixed(0).padStart(7)}`);
    }
    const ratio = stats.kit.p50 / stats.bare.p50;
    worstRatio = Math.max(worstRatio, ratio);
    console.log(`${era.padEnd(7)} kit/bare p50 ratio: ${ratio.toFixed(2)}x\n`);
    await clients.kit.close();
    await clients.bare.close();
  }
  console.log(`target: kit p50 ≤ ${TARGET_RATIO}x bare p50 → ${worstRatio <= TARGET_RATIO ? 'met' : 'NOT met'} (worst ${worstRatio.toFixed(2)}x)`);

  await kit.stop();
  await bare.stop();
  await issuer.stop();
  await rm(stateDir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
