/**
 * What call policies (Cedar) cost: the decision alone, per call, with the shipped policies and
 * with 1,000 policies, and a governed call's p50 through HTTP with and without them
 * (ops-reader's search_tickets, which its shipped policies govern). Target: well under a
 * millisecond per decision. Also the engine's one-off cost: loading and compiling it.
 *
 *   npm run bench:call-policies [-- --calls 2000]
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { cedarEngine, compileCallPolicies, toolResource, type Actor, type CallPolicies } from '@gmcp/mcp-kit/platform';
import { opsReaderServer, opsReaderTools } from '@gmcp/ops-reader';
import { schemaOf } from '@gmcp/platform';
import { allowlistOf, percentile, runBenchmark, startBenchPlatform } from './support/bench-platform';

const GOVERNANCE = resolve(__dirname, '../../config/governance');
const TARGET_MS = 1;
const actor = (groups: string[]): Actor => ({ subject: 'bench', clientId: 'assistant', scopes: new Set(['tickets:read']), groups: new Set(groups), issuer: 'bench', expiresAt: 0 });
const searchTickets = opsReaderTools.find((tool) => tool.name === 'search_tickets')!;
const SEARCHES = [{ text: 'vpn', limit: 10 }, { team: 'network', limit: 10 }, { team: 'security', limit: 10 }, { status: ['open'], priority: ['P1'], limit: 10 }];

/**
 * `count` policies as a large company's set might grow (per-team forbids, argument patterns),
 * over `tools` of the server's tools: each decision evaluates only the policies of its tool.
 */
function manyPolicies(count: number, tools: readonly string[]): string {
  const policies = tools.map((tool) => `@id("open-${tool}") permit (principal, action == Action::"${tool}", resource);`);
  for (let i = tools.length; i < count; i += 1) {
    const tool = tools[i % tools.length]!;
    policies.push(
      tool === 'search_tickets' && i % 2
        ? `@id("team-${i}") forbid (principal, action == Action::"search_tickets", resource) when { context.arguments has team && context.arguments.team == "team-${i}" && !principal.groups.contains("team-${i}") };`
        : `@id("caller-${i}") forbid (principal, action == Action::"${tool}", resource) when { principal.groups.contains("suspended-${i}") };`,
    );
  }
  return policies.join('\n');
}

async function decisionCost(policies: CallPolicies, calls: number): Promise<{ p50: number; p99: number }> {
  const resource = toolResource(searchTickets);
  const inputs = SEARCHES.map((search) => searchTickets.input.parse(search));
  const samples: number[] = [];
  for (let call = 0; call < calls + 1000; call += 1) {
    const begin = performance.now();
    await policies.decide({ tool: 'search_tickets', actor: actor(call % 3 ? ['network'] : ['security']), input: inputs[call % inputs.length], resource });
    if (call >= 1000) samples.push(performance.now() - begin);
  }
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
}

async function governedCallP50(env: Record<string, string>, token: (audience: string) => Promise<string>, calls: number): Promise<number> {
  const server = await opsReaderServer.start(env);
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${await token(server.url)}` } } }));
  const samples: number[] = [];
  for (let call = 0; call < calls + 20; call += 1) {
    const begin = performance.now();
    const result = await client.callTool({ name: 'search_tickets', arguments: SEARCHES[call % 2] });
    if (result.isError) throw new Error(`search_tickets failed: ${JSON.stringify(result.content)}`);
    if (call >= 20) samples.push(performance.now() - begin);
  }
  await client.close();
  await server.stop();
  return percentile(samples, 0.5);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { calls: { type: 'string', default: '2000' }, 'http-calls': { type: 'string', default: '300' } } });
  const calls = Number(values.calls);

  let begin = performance.now();
  await cedarEngine();
  const loadMs = performance.now() - begin;
  const schema = schemaOf('ops-reader');
  const shippedText = readFileSync(join(GOVERNANCE, 'ops-reader.cedar'), 'utf8');
  begin = performance.now();
  const shipped = await compileCallPolicies(shippedText, schema, { source: 'ops-reader.cedar', approvals: false });
  const compileShippedMs = performance.now() - begin;
  const tools = opsReaderTools.map((tool) => tool.name);
  begin = performance.now();
  const spread = await compileCallPolicies(manyPolicies(1000, tools), schema, { source: '1000 policies', approvals: false });
  const compileManyMs = performance.now() - begin;
  const oneTool = await compileCallPolicies(manyPolicies(1000, ['search_tickets']), schema, { source: '1000 policies on one tool', approvals: false });

  console.log(`Cedar engine (@cedar-policy/cedar-wasm): load ${loadMs.toFixed(0)} ms; compile and validate: shipped ${compileShippedMs.toFixed(0)} ms, 1,000 policies ${compileManyMs.toFixed(0)} ms (once per text change)`);
  console.log(`\nDecision per call (search_tickets, ${calls} calls)        p50        p99     target < ${TARGET_MS} ms`);
  for (const [name, policies] of [
    [`shipped policies (${shipped.ids.length})`, shipped],
    [`1,000 policies over ${tools.length} tools (${1000 / tools.length} each)`, spread],
    ['1,000 policies all on search_tickets', oneTool],
  ] as const) {
    const { p50, p99 } = await decisionCost(policies, calls);
    console.log(`  ${name.padEnd(44)} ${p50.toFixed(3).padStart(7)} ms ${p99.toFixed(3).padStart(7)} ms   ${p99 < TARGET_MS ? 'met' : 'NOT met'}`);
  }

  const platform = await startBenchPlatform({ policy: allowlistOf(opsReaderTools, { per_actor_per_tool: { requests: 100_000, window_seconds: 60 } }), persistent: false });
  try {
    const httpCalls = Number(values['http-calls']);
    const token = (audience: string) => platform.token('bench', audience, ['tickets:read']);
    const env = { ...platform.env, OPS_DATABASE: 'embedded' };
    const without = await governedCallP50({ ...env, CALL_POLICIES_FILE: join(GOVERNANCE, 'does-not-exist.cedar') }, token, httpCalls);
    const withShipped = await governedCallP50({ ...env, CALL_POLICIES_FILE: join(GOVERNANCE, 'ops-reader.cedar') }, token, httpCalls);
    console.log(`\nGoverned call through HTTP (search_tickets, embedded database, ${httpCalls} calls): p50 without call policies ${without.toFixed(2)} ms, with the shipped ones ${withShipped.toFixed(2)} ms (${(withShipped - without).toFixed(2)} ms)`);
  } finally {
    await platform.stop();
  }
}

runBenchmark(main);
