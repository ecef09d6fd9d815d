/**
 * tools/call round trips through the kit (auth, scope gate, per-request governed server)
 * against a bare SDK stateless server with the same trivial tool, on loopback, in one run.
 * Prints p50/p99 latency and calls per second for each, and the kit/bare p50 ratio.
 *
 *   npm run bench            (CALLS=4000 ROUNDS=8 npm run bench for a longer run)
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createGovernanceAdapters, createLogger, parseEnv, ServiceEnvSchema, startService, type AuditRecord } from '@gmcp/mcp-kit/platform';
import { allowlistOf, percentile, runBenchmark, startBenchPlatform } from './support/bench-platform';
import { startBareServer } from './support/bare-server';
import { echoTool } from './support/echo-tool';

const CALLS = Number(process.env.CALLS ?? 2000);
const ROUNDS = Number(process.env.ROUNDS ?? 4);
const WARMUP = 200;
const TARGET_RATIO = 1.5;

const kitEcho = echoTool();

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

function summarize(samples: number[]) {
  const total = samples.reduce((sum, value) => sum + value, 0);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), perSecond: (samples.length / total) * 1000 };
}

async function main(): Promise<void> {
  // The kit as deployed locally: allowlist from a file, two audit writes per call to DynamoDB (dynalite, in memory).
  const platform = await startBenchPlatform({ policy: allowlistOf([kitEcho]), persistent: false });
  const kitEnv = { ...platform.env, LOG_LEVEL: 'WARN' };
  const env = parseEnv(ServiceEnvSchema, kitEnv);
  const definition = { name: 'bench-kit', version: '1.0.0', access: 'read' as const, tools: [kitEcho], deps: {} };
  const logger = createLogger('bench-kit', 'WARN');
  const kitOnDynamo = await startService(env, definition, createGovernanceAdapters(env, 'bench-kit', logger));
  // The same kit with an audit store that does no I/O isolates the kit's own cost from the store's.
  const inMemory: AuditRecord[] = [];
  const kitInMemory = await startService(env, definition, {
    ...createGovernanceAdapters(env, 'bench-kit', logger),
    auditStore: { append: async (record) => void inMemory.push(record), query: async () => ({ records: [], anomalies: [] }) },
  });
  const bare = await startBareServer();
  const tokenFor = (url: string) => platform.token('bench', url, ['bench:read']);
  const servers = [
    { name: 'kit (audit: no I/O)', url: kitInMemory.url, token: await tokenFor(kitInMemory.url) },
    { name: 'kit (audit: dynalite)', url: kitOnDynamo.url, token: await tokenFor(kitOnDynamo.url) },
    { name: 'bare SDK', url: bare.url, token: undefined },
  ];

  console.log(`tools/call round trips on loopback: ${ROUNDS} alternating rounds of ${CALLS / ROUNDS} calls per server, after ${WARMUP} warm-up calls\n`);
  console.log('era     server                  p50 ms   p99 ms   calls/s');
  let worstRatio = 0;
  for (const era of ['legacy', 'modern'] as const) {
    const clients = await Promise.all(servers.map((server) => connect(server.url, era, server.token)));
    const samples = servers.map(() => [] as number[]);
    for (const client of clients) await timeCalls(client, WARMUP, []);
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [index, client] of clients.entries()) await timeCalls(client, CALLS / ROUNDS, samples[index]!);
    }
    const stats = samples.map(summarize);
    servers.forEach((server, index) => {
      const { p50, p99, perSecond } = stats[index]!;
      console.log(`${era.padEnd(7)} ${server.name.padEnd(22)} ${p50.toFixed(3).padStart(6)}   ${p99.toFixed(3).padStart(6)}   ${perSecond.toFixed(0).padStart(7)}`);
    });
    const kitRatio = stats[0]!.p50 / stats[2]!.p50;
    const withStore = stats[1]!.p50 / stats[2]!.p50;
    worstRatio = Math.max(worstRatio, kitRatio);
    console.log(`${era.padEnd(7)} kit/bare p50: ${kitRatio.toFixed(2)}x without audit I/O, ${withStore.toFixed(2)}x with two audit writes to dynalite\n`);
    await Promise.all(clients.map((client) => client.close()));
  }
  console.log(`target: the kit adds ≤ ${TARGET_RATIO}x the bare p50 → ${worstRatio <= TARGET_RATIO ? 'met' : 'NOT met'} (worst ${worstRatio.toFixed(2)}x without audit I/O)`);
  console.log('The audit store adds its write latency on top (one write before the handler, one after); see npm run bench:audit.');

  await kitInMemory.stop();
  await kitOnDynamo.stop();
  await bare.stop();
  await platform.stop();
}

runBenchmark(main);
