/**
 * Each service's Lambda bundle: its size, and its cold initialization in a fresh Node
 * process — loading the bundle plus serving the first request (a tools/call through the
 * kit: token verified against the issuer's keys, policy and keys read from SSM, two audit
 * writes, the tool's own reads or writes), as API Gateway would send it, against local
 * peers of every AWS service. Targets (issue 7): under 2 MB, under 300 ms on this machine.
 *
 *   npm run bench:lambda [-- --runs 5] [--node /path/to/node22] [--cpu-prof <dir>] [--only <service>]
 *
 * To read a profile, bundle unminified: `BUNDLE_MINIFY=false npm run bench:lambda -- --runs 1 --cpu-prof /tmp/prof`.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleDir, bundleLambda, type ServerName, SERVER_NAMES } from '@gmcp/infra';
import { httpApiEvent, startLambdaProcess } from '@gmcp/local-aws';
import { startAwsStage, type AwsStage } from '@gmcp/platform';
import { percentile } from './support/bench-platform';

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

async function firstRequestEvent(stage: AwsStage, service: ServerName, url: string) {
  const call = FIRST_CALL[service];
  const token = await stage.token(service, 'bench', call.scopes);
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: call.name, arguments: call.arguments() } });
  const host = new URL(url).host;
  const headers = { host, authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };
  return httpApiEvent(
    { method: 'POST', url: '/mcp', headers, body: Buffer.from(body), sourceIp: '127.0.0.1' },
    { routeKey: 'POST /mcp' },
    { apiId: 'benchapi01', accountId: stage.config.account, domainName: new URL(url).hostname },
    { claims: { sub: 'bench', scope: call.scopes.join(' ') }, scopes: call.scopes },
  );
}

async function coldStarts(stage: AwsStage, service: ServerName, runs: number, nodePath: string, execArgv: string[]) {
  const deployed = await stage.deploy(service);
  const samples: { spawnMs: number; loadMs: number; coldInitMs: number; coldCpuMs: number; warmMs: number }[] = [];
  for (let run = 0; run < runs; run += 1) {
    const [firstEvent, warmEvent] = [await firstRequestEvent(stage, service, deployed.url), await firstRequestEvent(stage, service, deployed.url)];
    const spawned = performance.now();
    const lambda = await startLambdaProcess(join(bundleDir(service), 'index.mjs'), deployed.directEnv('api'), { silent: true, nodePath, execArgv });
    // Until the bundle was imported, minus the import itself: Node's own start.
    const spawnMs = performance.now() - spawned - lambda.loadedMs;
    const first = await lambda.invoke<{ statusCode: number; body: string }>('handler', firstEvent);
    if (!first.ok || first.result.statusCode !== 200 || first.result.body.includes('"isError":true')) {
      throw new Error(`${service}: the first request failed: ${JSON.stringify(first)}\n${lambda.logs().slice(-5).join('\n')}`);
    }
    const warm = await lambda.invoke('handler', warmEvent);
    // Measured inside the function's process: the import, then the first event's handling.
    samples.push({ spawnMs, loadMs: lambda.loadedMs, coldInitMs: lambda.loadedMs + first.durationMs, coldCpuMs: first.cpuSinceStartMs, warmMs: warm.durationMs });
    await lambda.stop();
  }
  await deployed.stop();
  return samples;
}

async function main() {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '5' }, node: { type: 'string', default: process.execPath }, 'cpu-prof': { type: 'string' }, only: { type: 'string' } },
  });
  // One CPU profile per cold process (load and both requests), for `--cpu-prof <dir>`.
  const execArgv = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', values['cpu-prof']] : [];
  const services = SERVER_NAMES.filter((service) => !values.only || service === values.only);
  const runs = Number(values.runs);
  const nodePath = values.node;
  const nodeVersion = execFileSync(nodePath, ['--version'], { encoding: 'utf8' }).trim();
  console.log('Lambda bundles (esbuild, ESM, minified; dist/lambda/<service>/index.mjs)\n');
  console.log('bundle          size      limit 2 MB');
  for (const name of [...SERVER_NAMES, 'ops-migrate'] as const) {
    const { bytes } = await bundleLambda(name);
    console.log(`${name.padEnd(14)} ${(bytes / 1_000_000).toFixed(2).padStart(5)} MB   ${bytes < SIZE_LIMIT_BYTES ? 'ok' : 'OVER'}`);
  }

  const stage = await startAwsStage();
  try {
    console.log(`\nCold initialization in a fresh Node ${nodeVersion} process (${runs} runs each; ms; p50 / max)`);
    console.log('spawn = a fresh Node process up to the import (not counted); load = import of the bundle;');
    console.log('cold init = load + first request (tools/call), timed inside the process; cold CPU = the CPU time');
    console.log('of all its threads over the same span (steadier than wall time on a busy machine); warm = the next request\n');
    console.log('service         spawn       load        cold init     cold CPU      warm        target 300 ms');
    for (const service of services) {
      const samples = await coldStarts(stage, service, runs, nodePath, execArgv);
      const stat = (key: keyof (typeof samples)[number]) => {
        const values = samples.map((sample) => sample[key]);
        return `${percentile(values, 0.5).toFixed(0).padStart(4)} / ${Math.max(...values).toFixed(0).padStart(4)}`;
      };
      const p50 = percentile(samples.map((sample) => sample.coldInitMs), 0.5);
      console.log(`${service.padEnd(14)} ${stat('spawnMs')}   ${stat('loadMs')}   ${stat('coldInitMs')}   ${stat('coldCpuMs')}   ${stat('warmMs')}   ${p50 < COLD_INIT_TARGET_MS ? 'ok' : 'OVER'}`);
    }
  } finally {
    await stage.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
