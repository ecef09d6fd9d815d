/**
 * The audit trail under load, and through an outage of its store (local DynamoDB).
 *
 * 1. CALLS tool calls at CONCURRENCY through the kit: every call must leave exactly one
 *    decision record and one outcome record (none lost, none duplicated). Prints the
 *    audit write cost per call.
 * 2. The store is stopped mid-run: no handler may run without its decision record,
 *    callers get retryable 503s, the failure metric counts them; when the store
 *    returns, calls proceed.
 *
 *   npm run bench:audit          (CALLS=5000 CONCURRENCY=100 npm run bench:audit)
 */
import {
  createDynamoDbAuditStore,
  createDynamoDbClient,
  createGovernanceAdapters,
  createLogger,
  METRIC,
  parseEnv,
  ServiceEnvSchema,
  startService,
  type AuditRecord,
  type MemoryMetrics,
} from '@gmcp/mcp-kit/platform';
import { LOCAL_TABLES } from '@gmcp/platform';
import { allowlistOf, percentile, runBenchmark, startBenchPlatform } from './support/bench-platform';
import { echoTool } from './support/echo-tool';

const CALLS = Number(process.env.CALLS ?? 2000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 50);

const handlerRuns = { total: 0 };
const echo = echoTool(() => (handlerRuns.total += 1));

async function main(): Promise<void> {
  const platform = await startBenchPlatform({ policy: allowlistOf([echo], { max_concurrency: 256 }), persistent: true });
  const env = parseEnv(ServiceEnvSchema, platform.env);
  const governance = createGovernanceAdapters(env, 'bench-audit', createLogger('bench-audit', 'SILENT'));
  const appendTimes: number[] = [];
  const append = governance.auditStore.append.bind(governance.auditStore);
  governance.auditStore.append = async (record) => {
    const started = performance.now();
    await append(record);
    appendTimes.push(performance.now() - started);
  };
  const service = await startService(env, { name: 'bench-audit', version: '1.0.0', access: 'read', tools: [echo], deps: {}, logger: createLogger('bench-audit', 'SILENT') }, governance);
  const metrics = governance.metrics as MemoryMetrics;
  const reader = createDynamoDbAuditStore(createDynamoDbClient({ region: 'local', endpoint: platform.dynamodb().endpoint }), LOCAL_TABLES.audit);

  const tokenFor = (sub: string) => platform.token(sub, service.url, ['bench:read']);
  const call = async (token: string, i: number) => {
    const response = await fetch(service.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'echo', arguments: { message: `m${i}` } } }),
    });
    await response.text();
    return response.status;
  };
  const recordsOf = async (actor: string): Promise<AuditRecord[]> => {
    const all: AuditRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await reader.query({ actor, since: new Date(Date.now() - 3_600_000), limit: 1000, cursor });
      all.push(...page.records);
      cursor = page.cursor;
    } while (cursor);
    return all;
  };

  // 1. Load.
  const loadToken = await tokenFor('load');
  let next = 0;
  const statuses = new Map<number, number>();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CALLS) {
        const status = await call(loadToken, next++);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const records = await recordsOf('load');
  const allowed = records.filter((record) => record.event === 'tool_allowed');
  const completed = records.filter((record) => record.event === 'tool_completed');
  const uniqueEvents = new Set(records.map((record) => record.event_id)).size;
  const uniqueCalls = new Set(allowed.map((record) => `${record.request_id}/${record.call_id}`)).size;
  const appendMean = appendTimes.reduce((sum, value) => sum + value, 0) / appendTimes.length;

  console.log(`Load: ${CALLS} tools/call at concurrency ${CONCURRENCY} → ${(CALLS / seconds).toFixed(0)} calls/s (${seconds.toFixed(1)} s)`);
  console.log(`  HTTP statuses: ${[...statuses].map(([status, count]) => `${status}×${count}`).join(', ')}`);
  console.log(`  handler runs: ${handlerRuns.total}; decision records: ${allowed.length}; outcome records: ${completed.length}`);
  console.log(`  duplicates: ${records.length - uniqueEvents} event ids, ${allowed.length - uniqueCalls} calls recorded twice; lost: ${CALLS - uniqueCalls}`);
  console.log(`  audit write (DynamoDB PutItem to local dynalite): p50 ${percentile(appendTimes, 0.5).toFixed(2)} ms, p99 ${percentile(appendTimes, 0.99).toFixed(2)} ms`);
  console.log(`  audit cost per call: 2 writes, ${(2 * appendMean).toFixed(2)} ms of write latency (1 write ahead of the handler, on the critical path)`);
  const loadOk = allowed.length === CALLS && completed.length === CALLS && uniqueCalls === CALLS && uniqueEvents === records.length && handlerRuns.total === CALLS;
  console.log(`  records equal calls, none lost, none duplicated: ${loadOk ? 'yes' : 'NO'}\n`);

  // 2. Outage.
  const outageToken = await tokenFor('outage');
  const runsBefore = handlerRuns.total;
  const failuresBefore = metrics.counter(METRIC.auditWriteFailures, { server: 'bench-audit' });
  const phase = { name: 'before' as 'before' | 'during' | 'after' };
  const counts: Record<string, Map<number, number>> = { before: new Map(), during: new Map(), after: new Map() };
  let stopWorkers = false;
  let i = 1_000_000;
  const workers = Array.from({ length: CONCURRENCY }, async () => {
    while (!stopWorkers) {
      const status = await call(outageToken, i++).catch(() => 0);
      // Counted in the phase in which the answer arrived.
      counts[phase.name]!.set(status, (counts[phase.name]!.get(status) ?? 0) + 1);
    }
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  phase.name = 'during';
  await platform.stopDynamoDb();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await platform.startDynamoDb();
  phase.name = 'after';
  await new Promise((resolve) => setTimeout(resolve, 500));
  stopWorkers = true;
  await Promise.all(workers);

  const outageRecords = await recordsOf('outage');
  const callKeyOf = (record: AuditRecord) => `${record.request_id}/${record.call_id}`;
  const allowedCalls = new Set(outageRecords.filter((record) => record.event === 'tool_allowed').map(callKeyOf));
  const settledCalls = new Set(outageRecords.filter((record) => record.event === 'tool_completed' || record.event === 'tool_not_run').map(callKeyOf));
  const outageAllowed = allowedCalls.size;
  const unsettled = [...allowedCalls].filter((key) => !settledCalls.has(key)).length;
  const outageRuns = handlerRuns.total - runsBefore;
  const show = (map: Map<number, number>) => [...map].map(([status, count]) => `${status}×${count}`).join(', ') || 'none';
  console.log('Outage: local DynamoDB stopped for 1 s in the middle of a run at the same concurrency');
  console.log(`  before: ${show(counts.before!)}; during: ${show(counts.during!)}; after it returned: ${show(counts.after!)}`);
  console.log(`  audit write failures counted: ${metrics.counter(METRIC.auditWriteFailures, { server: 'bench-audit' }) - failuresBefore}`);
  console.log(`  handler runs: ${outageRuns}; decision records: ${outageAllowed}`);
  console.log(`  handlers run without a decision record: ${Math.max(0, outageRuns - outageAllowed)} (must be 0)`);
  console.log(
    `  decision records of calls refused anyway: ${Math.max(0, outageAllowed - outageRuns)} ` +
      '(the store kept a write whose acknowledgement was lost as it stopped; the caller got a retryable 503: the safe direction)',
  );
  const recovered = (counts.after!.get(200) ?? 0) > 0;
  console.log(
    `  allowed calls without an outcome record: ${unsettled} (outcome writes that failed during the outage; ` +
      `each is in the error log with its signed record; counted: ${metrics.counter(METRIC.outcomeNotRecorded, { server: 'bench-audit' })})`,
  );
  console.log(`  calls proceed after the store returns: ${recovered ? 'yes' : 'NO'}`);

  await service.stop();
  await platform.stop();
}

runBenchmark(main);
