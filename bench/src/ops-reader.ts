/**
 * Warm latency of each tickets/incidents tool through HTTP (MCP tools/call with auth,
 * governance and two audit writes to in-process dynalite), on the seeded data, for the
 * embedded database and for the Data API adapter against the local Data API endpoint.
 *
 *   npm run bench:ops [-- --calls 200]
 */
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startDataApiTestEndpoint } from '@gmcp/local-aws';
import { createLogin, createPgliteExecutor, migrate, seedDatabase } from '@gmcp/ops-data';
import { opsReaderServer, opsReaderTools } from '@gmcp/ops-reader';
import { allowlistOf, percentile, runBenchmark, startBenchPlatform } from './support/bench-platform';

const CLUSTER = 'arn:aws:rds:us-east-1:000000000000:cluster:gmcp-ops';
const SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:gmcp/ops-reader-bench';
const WARM_UP = 20;

/** Representative arguments per tool, cycled through so that no single row stays hot. */
const WORKLOAD: Record<string, Record<string, unknown>[]> = {
  get_ticket_status: ['TCK-1042', 'TCK-1000', 'TCK-1107', 'TCK-1199', 'TCK-9999'].map((ticket_id) => ({ ticket_id })),
  search_tickets: [{ text: 'vpn' }, { text: 'laptop replacement' }, { status: ['open'], team: 'network' }, { priority: ['P1', 'P2'], limit: 20 }, { text: 'certificate expired', status: ['resolved', 'closed'] }],
  list_incidents: [{ status: ['open'], severity: ['SEV1', 'SEV2'], service: 'payments' }, { service: 'login', limit: 1 }, { limit: 20 }, { severity: ['SEV3', 'SEV4'] }],
  get_incident: ['INC-2031', 'INC-2000', 'INC-2010', 'INC-2040'].map((incident_id) => ({ incident_id })),
};

async function measure(url: string, token: string, calls: number): Promise<void> {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  for (const [tool, argumentList] of Object.entries(WORKLOAD)) {
    const samples: number[] = [];
    for (let call = 0; call < calls + WARM_UP; call += 1) {
      const begin = performance.now();
      const result = await client.callTool({ name: tool, arguments: argumentList[call % argumentList.length] });
      if (result.isError) throw new Error(`${tool} failed: ${JSON.stringify(result.content)}`);
      if (call >= WARM_UP) samples.push(performance.now() - begin);
    }
    console.log(`  ${tool.padEnd(18)} p50 ${percentile(samples, 0.5).toFixed(1).padStart(6)} ms   p99 ${percentile(samples, 0.99).toFixed(1).padStart(6)} ms   (${calls} calls)`);
  }
  await client.close();
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { calls: { type: 'string', default: '200' } } });
  const calls = Number(values.calls);
  const platform = await startBenchPlatform({ policy: allowlistOf(opsReaderTools, { per_actor_per_tool: { requests: 100_000, window_seconds: 60 } }), persistent: false });
  const scopes = ['tickets:read', 'incidents:read'];

  console.log('Embedded database (PGlite in process, local mode):');
  const embedded = await opsReaderServer.start({ ...platform.env, OPS_DATABASE: 'embedded' });
  await measure(embedded.url, await platform.token('bench', embedded.url, scopes), calls);
  await embedded.stop();

  const db = new PGlite();
  const owner = createPgliteExecutor(db);
  await migrate(owner);
  await seedDatabase(owner, { now: new Date() });
  await createLogin(owner, 'reader', 'ops_reader');
  const dataApi = await startDataApiTestEndpoint({ db, resourceArn: CLUSTER, secrets: { [SECRET]: { user: 'ops_reader' } } });
  console.log('Data API adapter → local Data API endpoint over PGlite (HTTP per statement; Aurora adds its own network and engine time):');
  const overDataApi = await opsReaderServer.start({
    ...platform.env,
    OPS_DATABASE: 'data-api',
    DATA_API_RESOURCE_ARN: CLUSTER,
    DATA_API_SECRET_ARN: SECRET,
    RDS_DATA_ENDPOINT: dataApi.endpoint,
  });
  await measure(overDataApi.url, await platform.token('bench', overDataApi.url, scopes), calls);
  await overDataApi.stop();
  await dataApi.stop();
  await db.close();
  await platform.stop();
}

runBenchmark(main);
