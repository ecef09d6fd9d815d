/**
 * Store round trips per call, as on AWS: the kit with its counters and audit trail on DynamoDB
 * (RATE_LIMIT_STORE=dynamodb, a per-actor and a per-server limit) behind a proxy that adds a
 * fixed delay to every DynamoDB request — a network's round trip — and counts them. It serves
 * the same echo tool as a bare SDK server (the handler alone), one call at a time, and prints
 * each path's p50/p99 with and without the delay and its DynamoDB requests per call:
 *   - admission in one transaction (the counters and the write-ahead record), then the outcome;
 *   - the earlier path, for comparison: each counter, then the record, then the outcome.
 * Target (issue 20): p50 ≤ handler alone + 2 × delay + 3 ms, once the local store's own
 * service time (the p50 without delay, over the handler alone) is set aside: on AWS the
 * store's time is inside its round trip, which the delay stands for.
 *
 *   npm run bench:round-trips            (DELAY_MS=8 CALLS=200 by default)
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createGovernanceAdapters, createLogger, parseEnv, ServiceEnvSchema, startService, type GovernanceAdapters, type RunningService } from '@gmcp/mcp-kit/platform';
import { allowlistOf, percentile, runBenchmark, startBenchPlatform } from './support/bench-platform';
import { startBareServer } from './support/bare-server';
import { startDelayProxy } from './support/delay-proxy';
import { echoTool } from './support/echo-tool';

const DELAY_MS = Number(process.env.DELAY_MS ?? 8);
const CALLS = Number(process.env.CALLS ?? 200);
const WARMUP = 20;
const SLACK_MS = 3;

const echo = echoTool();
// High enough never to refuse, low enough to keep one counter each (as the shipped limits do).
const LIMITS = { per_actor_per_tool: { requests: 100_000, window_seconds: 3600 }, per_server: { requests: 100_000, window_seconds: 3600 } };

async function timeCalls(url: string, token: string | undefined, count: number): Promise<number[]> {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: token ? { Authorization: `Bearer ${token}` } : {} } }));
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    const result = await client.callTool({ name: 'echo', arguments: { message: `m${i}` } });
    samples.push(performance.now() - started);
    if (result.isError) throw new Error(`echo failed: ${JSON.stringify(result.content)}`);
  }
  await client.close();
  return samples;
}

async function main(): Promise<void> {
  const platform = await startBenchPlatform({ policy: allowlistOf([echo], LIMITS), persistent: false });
  const proxy = await startDelayProxy(platform.dynamodb().endpoint, DELAY_MS);
  const env = parseEnv(ServiceEnvSchema, { ...platform.env, DYNAMODB_ENDPOINT: proxy.endpoint, RATE_LIMIT_STORE: 'dynamodb', RATE_LIMIT_TABLE: 'gmcp-rate-limits', LOG_LEVEL: 'SILENT' });
  const definition = { name: 'bench-kit', version: '1.0.0', access: 'read' as const, tools: [echo], deps: {} };
  const logger = createLogger('bench-kit', 'SILENT');
  const adapters = createGovernanceAdapters(env, 'bench-kit', logger);
  const { admission: _transaction, ...sequential } = adapters;
  const paths: { name: string; adapters: GovernanceAdapters }[] = [
    { name: 'kit, admission in one transaction', adapters },
    { name: 'kit, counters then record (before)', adapters: sequential },
  ];
  const bare = await startBareServer();
  const handlerAlone = await timeCalls(bare.url, undefined, CALLS);
  const handlerP50 = percentile(handlerAlone, 0.5);
  proxy.setDelay(0);

  console.log(`tools/call, one at a time, ${CALLS} calls per path and delay; DynamoDB requests delayed 0 and ${DELAY_MS} ms\n`);
  console.log(`path                                     p50 ms (0 / ${DELAY_MS} ms)   p99 ms (${DELAY_MS} ms)   added by the delay   DynamoDB requests per call`);
  console.log(`${'handler alone (bare SDK server)'.padEnd(40)} ${handlerP50.toFixed(1).padStart(6)}            ${percentile(handlerAlone, 0.99).toFixed(1).padStart(6)}`);
  let added = Infinity;
  for (const path of paths) {
    const service: RunningService = await startService(env, definition, path.adapters);
    const token = await platform.token('bench', service.config.resourceUrl, ['bench:read']);
    await timeCalls(service.url, token, WARMUP);
    const runs = [];
    for (const delay of [0, DELAY_MS]) {
      proxy.setDelay(delay);
      proxy.reset();
      runs.push(await timeCalls(service.url, token, CALLS));
    }
    const perCall = [...proxy.counts].map(([operation, count]) => `${(count / CALLS).toFixed(1)} ${operation}`).join(' + ');
    const [p50Undelayed, p50Delayed] = runs.map((samples) => percentile(samples, 0.5)) as [number, number];
    if (path.adapters === adapters) added = p50Delayed - p50Undelayed;
    console.log(
      `${path.name.padEnd(40)} ${p50Undelayed.toFixed(1).padStart(6)} / ${p50Delayed.toFixed(1).padStart(6)}   ${percentile(runs[1]!, 0.99).toFixed(1).padStart(6)}            ${(p50Delayed - p50Undelayed).toFixed(1).padStart(6)}               ${(proxy.total() / CALLS).toFixed(1)} (${perCall})`,
    );
    await service.stop();
  }
  const budget = 2 * DELAY_MS + SLACK_MS;
  console.log(`\ntarget: the store's round trips add ≤ 2 × ${DELAY_MS} + ${SLACK_MS} = ${budget} ms to the p50 → ${added <= budget ? 'met' : 'NOT met'} (${added.toFixed(1)} ms with admission in one transaction)`);
  console.log('The p50 without delay, over the handler alone, is the kit and the local store (dynalite, whose transaction is several requests of its own): see npm run bench.');

  await bare.stop();
  await proxy.stop();
  await platform.stop();
}

runBenchmark(main);
