/**
 * The local platform under load, as a user meets it: `npm start`'s policy reader (audit on, to the
 * embedded store's day files as `npm start` keeps them; its limits raised by a governance file
 * given to it, nothing else changed), 10 concurrent MCP
 * clients in a process of their own calling list_policies, against a bare SDK server with a
 * trivial tool under the same load in the same run. Prints calls/s, p50 and p99 for each and the ratio.
 * Targets (issue 20): ≥ 0.5x the bare server's calls/s, p99 under 50 ms.
 *
 *   npm run bench:local            (CLIENTS=10 CALLS=200 per client by default)
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFile } from 'node:child_process';
import { startPlatform } from '@gmcp/platform';
import { runBenchmark } from './support/bench-platform';
import type { LoadFigures } from './support/load-client';
import { startBareServer } from './support/bare-server';

const CLIENTS = Number(process.env.CLIENTS ?? 10);
const CALLS = Number(process.env.CALLS ?? 200);
const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 50;

/** Runs the load from a process of its own (as assistants are separate programs), so that the clients' work does not share the servers' event loop. */
function load(url: string, token: string | undefined, call: { name: string; arguments: Record<string, unknown> }): Promise<LoadFigures> {
  const request = JSON.stringify({ url, token, tool: call.name, args: call.arguments, clients: CLIENTS, calls: CALLS });
  return new Promise((resolveFigures, reject) => {
    execFile(process.execPath, ['--import', 'tsx', resolve(__dirname, 'support/load-client.ts'), request], { maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error) reject(error);
      else resolveFigures(JSON.parse(stdout.trim().split('\n').pop()!) as LoadFigures);
    });
  });
}

/** The shipped policy reader's allowlist with its limits raised out of the way. */
async function raisedGovernance(dir: string): Promise<string> {
  const governance = JSON.parse(await readFile(resolve(__dirname, '../../config/governance/policy-reader.json'), 'utf8')) as { limits: Record<string, unknown> };
  const plenty = { requests: 10_000_000, window_seconds: 60 };
  governance.limits = { ...governance.limits, per_actor_per_tool: plenty, per_server: plenty };
  const file = join(dir, 'policy-reader-governance.json');
  await writeFile(file, JSON.stringify(governance));
  return file;
}

async function main(): Promise<void> {
  const stateDir = await mkdtemp(join(tmpdir(), 'gmcp-bench-local-'));
  const platform = await startPlatform(
    { GMCP_STATE_DIR: stateDir, LOG_LEVEL: 'SILENT', AUDIT_DIGEST_INTERVAL_SECONDS: '0', POLICY_READER_GOVERNANCE_FILE: await raisedGovernance(stateDir) },
    { servers: ['policy-reader'], ephemeralPorts: true },
  );
  const bare = await startBareServer();
  try {
    const token = await platform.token('policy-reader', { sub: 'alice', scopes: ['policies:read'] });
    const listPolicies = { name: 'list_policies', arguments: {} };
    // Warm both up, then alternate so that neither gets the quieter machine.
    await load(platform.urls['policy-reader']!, token, listPolicies);
    await load(bare.url, undefined, { name: 'echo', arguments: { message: 'warm' } });
    const local = await load(platform.urls['policy-reader']!, token, listPolicies);
    const bareLoad = await load(bare.url, undefined, { name: 'echo', arguments: { message: 'hi' } });

    console.log(`${CLIENTS} concurrent clients, ${CALLS} calls each, on loopback\n`);
    console.log('server                                              calls/s   p50 ms   p99 ms');
    const row = (name: string, figures: LoadFigures) => console.log(`${name.padEnd(50)} ${figures.perSecond.toFixed(0).padStart(7)}   ${figures.p50.toFixed(1).padStart(6)}   ${figures.p99.toFixed(1).padStart(6)}`);
    row('npm start: policy-reader list_policies (audit on)', local);
    row('bare SDK server: echo', bareLoad);
    const ratio = local.perSecond / bareLoad.perSecond;
    console.log(`\ntarget: ≥ ${TARGET_RATIO}x the bare server's calls/s → ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'} (${ratio.toFixed(2)}x)`);
    console.log(`target: p99 < ${TARGET_P99_MS} ms → ${local.p99 < TARGET_P99_MS ? 'met' : 'NOT met'} (${local.p99.toFixed(1)} ms; the bare server's own p99 in this run: ${bareLoad.p99.toFixed(1)} ms)`);
  } finally {
    await bare.stop();
    await platform.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

runBenchmark(main);
