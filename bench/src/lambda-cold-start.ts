/**
 * Each service's Lambda bundle: its size, and its cold initialization in a fresh Node
 * process — loading the bundle plus serving the first request (a tools/call through the
 * kit: token verified against the issuer's keys, policy and keys read from SSM, two audit
 * writes, the tool's own reads or writes), as API Gateway would send it, against local
 * peers of every AWS service. Targets (issue 7): under 2 MB, under 300 ms on this machine.
 *
 * Below them, the floor any service stands on: the bare SDK's server in the same kind of bundle,
 * with no auth, policy or audit, alone and with one DynamoDB write per call. The bundles take
 * turns, round after round, and each service's excess over the floor is taken within a round.
 *
 *   npm run bench:lambda [-- --runs 5] [--node /path/to/node22] [--cpu-prof <dir>] [--only <service>] [--instructions]
 *
 * `--instructions` also counts, with valgrind, the instructions of one cold start of each (its
 * load, then its first event): nearly exact from run to run, unlike wall time on this shared
 * machine (about a minute per bundle).
 *
 * To read a profile, bundle unminified: `BUNDLE_MINIFY=false npm run bench:lambda -- --runs 1 --cpu-prof /tmp/prof`.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BUNDLE_NAMES, bundleDir, bundleEntry, bundleLambda, type ServerName, SERVER_NAMES } from '@gmcp/infra';
import { httpApiEvent, startLambdaProcess } from '@gmcp/local-aws';
import { startAwsStage, type AwsStage, type DeployedService } from '@gmcp/platform';
import { percentile } from './support/bench-platform';
import { coldStartInstructions, hasValgrind, loadInstructions } from './support/load-instructions';

const SIZE_LIMIT_BYTES = 2_000_000;
const COLD_INIT_TARGET_MS = 300;

/** The first call each server gets: representative of its work (a read, a read, a write). */
const FIRST_CALL: Record<ServerName, { scopes: string[]; name: string; arguments: () => Record<string, unknown> }> = {
  'policy-reader': { scopes: ['policies:read'], name: 'search_policies', arguments: () => ({ query: 'hotel nightly rate' }) },
  'ops-reader': { scopes: ['tickets:read'], name: 'get_ticket_status', arguments: () => ({ ticket_id: 'TCK-1042' }) },
  'ops-writer': {
    scopes: ['tickets:write'],
    name: 'add_ticket_comment',
    arguments: () => ({ ticket_id: 'TCK-1042', body: 'Cold start benchmark comment.', idempotency_key: randomUUID() }),
  },
};

type FirstCall = { scopes: string[]; name: string; arguments: () => Record<string, unknown> };

/** A tools/call as API Gateway sends it to the function, with a token for `scopes`. */
function toolCallEvent(url: string, call: FirstCall, token: string, account: string) {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: call.name, arguments: call.arguments() } });
  const host = new URL(url).host;
  const headers = { host, authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };
  return httpApiEvent(
    { method: 'POST', url: '/mcp', headers, body: Buffer.from(body), sourceIp: '127.0.0.1' },
    { routeKey: 'POST /mcp' },
    { apiId: 'benchapi01', accountId: account, domainName: new URL(url).hostname },
    { claims: { sub: 'bench', scope: call.scopes.join(' ') }, scopes: call.scopes },
  );
}

interface Sample {
  spawnMs: number;
  loadMs: number;
  firstMs: number;
  coldInitMs: number;
  coldCpuMs: number;
  warmMs: number;
}

/** A bundle the benchmark cold-starts: its file, its environment, and the two events each fresh process serves. */
interface Target {
  readonly label: string;
  /** Held to the target (the services), or shown as the floor under them (the bare SDK). */
  readonly judged: boolean;
  readonly bundle: string;
  readonly env: Record<string, string>;
  /** A fresh event to send it (a tools/call with a new token, a new idempotency key). */
  event(): Promise<unknown>;
}

/** One fresh process of `target`: it loads the bundle and serves a first and a second event. */
async function coldStart(target: Target, nodePath: string, execArgv: string[]): Promise<Sample> {
  const [firstEvent, warmEvent] = [await target.event(), await target.event()];
  const spawned = performance.now();
  const lambda = await startLambdaProcess(target.bundle, target.env, { silent: true, nodePath, execArgv });
  // Until the bundle was imported, minus the import itself: Node's own start.
  const spawnMs = performance.now() - spawned - lambda.loadedMs;
  const first = await lambda.invoke<{ statusCode: number; body: string }>('handler', firstEvent);
  if (!first.ok || first.result.statusCode !== 200 || first.result.body.includes('"isError":true')) {
    throw new Error(`${target.label}: the first request failed: ${JSON.stringify(first)}\n${lambda.logs().slice(-5).join('\n')}`);
  }
  const warm = await lambda.invoke('handler', warmEvent);
  await lambda.stop();
  // Measured inside the function's process: the import, then the first event's handling.
  return { spawnMs, loadMs: lambda.loadedMs, firstMs: first.durationMs, coldInitMs: lambda.loadedMs + first.durationMs, coldCpuMs: first.cpuSinceStartMs, warmMs: warm.durationMs };
}

/**
 * `runs` rounds, each cold-starting every target once in turn: a slow spell of this shared
 * machine then weighs on every row alike, and a service's excess over the floor can be taken
 * round by round.
 */
async function interleavedColdStarts(targets: readonly Target[], runs: number, nodePath: string, execArgv: string[]): Promise<Sample[][]> {
  const samples = targets.map((): Sample[] => []);
  for (let run = 0; run < runs; run += 1) {
    for (const [index, target] of targets.entries()) samples[index]!.push(await coldStart(target, nodePath, execArgv));
  }
  return samples;
}

function serviceTarget(stage: AwsStage, service: ServerName, deployed: DeployedService): Target {
  const event = async () => toolCallEvent(deployed.url, FIRST_CALL[service], await stage.token(service, 'bench', FIRST_CALL[service].scopes), stage.config.account);
  return { label: service, judged: true, bundle: join(bundleDir(service), 'index.mjs'), env: deployed.directEnv('api'), event };
}

const BARE_DIR = resolve(__dirname, '..', '..', 'dist', 'bench', 'bare-lambda');
const BARE_TABLE = 'bench-bare-calls';
const ECHO: FirstCall = { scopes: [], name: 'echo', arguments: () => ({ message: 'cold' }) };
const FLOOR_LABEL = 'bare + 1 write';

/** The bare SDK bundle: alone, or writing one item per call to the stage's DynamoDB. */
function bareTarget(stage: AwsStage, withWrite: boolean): Target {
  const credentials = { AWS_REGION: stage.config.region, AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' };
  const event = async () => toolCallEvent('https://bare.example/mcp', ECHO, 'none', stage.config.account);
  return {
    label: withWrite ? FLOOR_LABEL : 'bare SDK',
    judged: false,
    bundle: join(BARE_DIR, 'index.mjs'),
    env: withWrite ? { ...credentials, DYNAMODB_ENDPOINT: stage.dynamoDbEndpoint, BARE_TABLE } : credentials,
    event,
  };
}

async function createBareTable(stage: AwsStage): Promise<void> {
  const dynamo = new DynamoDBClient({ region: stage.config.region, endpoint: stage.dynamoDbEndpoint, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  await dynamo.send(
    new CreateTableCommand({ TableName: BARE_TABLE, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] }),
  );
  dynamo.destroy();
}

/** A row: p50 / max of each figure, the median over the rounds of (cold init − the floor's in the same round), and the verdict. */
function statLine(target: Target, samples: readonly Sample[], floor: readonly Sample[] | undefined): string {
  const stat = (key: keyof Sample) => {
    const values = samples.map((sample) => sample[key]);
    return `${percentile(values, 0.5).toFixed(0).padStart(4)} / ${Math.max(...values).toFixed(0).padStart(4)}`;
  };
  const overFloor = floor ? percentile(samples.map((sample, round) => sample.coldInitMs - floor[round]!.coldInitMs), 0.5).toFixed(0).padStart(5) : '    -';
  const p50 = percentile(samples.map((sample) => sample.coldInitMs), 0.5);
  const verdict = target.judged ? (p50 < COLD_INIT_TARGET_MS ? 'ok' : 'OVER') : '(reference)';
  return `${target.label.padEnd(14)} ${stat('spawnMs')}   ${stat('loadMs')}   ${stat('firstMs')}   ${stat('coldInitMs')}   ${stat('coldCpuMs')}   ${stat('warmMs')}   ${overFloor}        ${verdict}`;
}

/**
 * One cold start of each target under valgrind: instructions to load, then to handle the first
 * event, and the excess of the whole over the floor's (millions). Exact enough from run to run to
 * show a change of a few percent that wall time on this machine hides.
 */
async function printInstructions(targets: readonly Target[], nodePath: string): Promise<void> {
  if (!hasValgrind()) return console.log('\nvalgrind is not installed (apt-get install valgrind): no instruction counts');
  console.log('\nInstructions of one cold start of each (valgrind callgrind, V8 on one thread; millions)\n');
  console.log('service            load   first event   cold init   over floor');
  const counts: { label: string; load: number; firstEvent: number }[] = [];
  for (const target of targets) counts.push({ label: target.label, ...(await coldStartInstructions(target.bundle, target.env, await target.event(), nodePath)) });
  const floor = counts.find((entry) => entry.label === FLOOR_LABEL)!;
  const millions = (count: number, width: number) => (count / 1e6).toFixed(1).padStart(width);
  for (const { label, load, firstEvent } of counts) {
    const excess = load + firstEvent - (floor.load + floor.firstEvent);
    console.log(`${label.padEnd(14)} ${millions(load, 8)}   ${millions(firstEvent, 11)}   ${millions(load + firstEvent, 9)}   ${label === FLOOR_LABEL ? '' : `${excess >= 0 ? '+' : ''}${millions(excess, 0)}`}`);
  }
  console.log(`Node alone (its start and an empty import): ${millions(loadInstructions('data:text/javascript,', nodePath), 0)}`);
}

async function main() {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '5' }, node: { type: 'string', default: process.execPath }, 'cpu-prof': { type: 'string' }, only: { type: 'string' }, instructions: { type: 'boolean', default: false } },
  });
  // One CPU profile per cold process (load and both requests), for `--cpu-prof <dir>`.
  const execArgv = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', values['cpu-prof']] : [];
  const services = SERVER_NAMES.filter((service) => !values.only || service === values.only);
  const runs = Number(values.runs);
  const nodePath = values.node;
  const nodeVersion = execFileSync(nodePath, ['--version'], { encoding: 'utf8' }).trim();
  console.log('Lambda bundles (esbuild, ESM, minified; dist/lambda/<service>/index.mjs)\n');
  console.log('bundle          size      limit 2 MB');
  // Every bundle, since the stage runs the migration and the digest ones too.
  for (const name of BUNDLE_NAMES) {
    const { bytes } = await bundleLambda(name);
    console.log(`${name.padEnd(14)} ${(bytes / 1_000_000).toFixed(2).padStart(5)} MB   ${bytes < SIZE_LIMIT_BYTES ? 'ok' : 'OVER'}`);
  }
  const bare = await bundleEntry('bench/src/support/bare-lambda.ts', BARE_DIR);
  console.log(`${'bare SDK'.padEnd(14)} ${(bare.bytes / 1_000_000).toFixed(2).padStart(5)} MB   (reference: dist/bench/bare-lambda)`);

  const stage = await startAwsStage();
  try {
    console.log(`\nCold initialization in a fresh Node ${nodeVersion} process (${runs} rounds, each bundle once per round; ms; p50 / max)`);
    console.log('spawn = a fresh Node process up to the import (not counted); load = import of the bundle (Lambda\'s INIT: a server');
    console.log('builds its service there); first call = the first request (tools/call); cold init = load + first call, timed');
    console.log('inside the process; cold CPU = the CPU time of all its threads over the same span (steadier than wall time');
    console.log('on a busy machine); warm = the next request; over floor = the median, over the rounds, of its cold init');
    console.log('minus that of bare + 1 write in the same round. With provisioned concurrency, INIT runs before any');
    console.log('request, and the first call is what a caller waits for.\n');
    console.log('service         spawn       load        first call    cold init     cold CPU      warm        over floor   target 300 ms');
    const deployed = await Promise.all(services.map((service) => stage.deploy(service)));
    await createBareTable(stage);
    const targets = [...services.map((service, index) => serviceTarget(stage, service, deployed[index]!)), bareTarget(stage, false), bareTarget(stage, true)];
    const samples = await interleavedColdStarts(targets, runs, nodePath, execArgv);
    const floor = samples[targets.findIndex((target) => target.label === FLOOR_LABEL)];
    for (const [index, target] of targets.entries()) console.log(statLine(target, samples[index]!, target.judged ? floor : undefined));
    console.log("\nbare SDK: the SDK's stateless server and the echo tool on express behind serverless-http, no auth,");
    console.log('policy or audit; bare + 1 write: the same, writing one DynamoDB item per call. The floor under a service.');
    if (values.instructions) await printInstructions(targets, nodePath);
  } finally {
    await stage.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
