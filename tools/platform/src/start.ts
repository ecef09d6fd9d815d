import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadOrCreateSigningKey, startDevIssuer } from '@gmcp/dev-issuer';
import { startPolicyReader } from '@gmcp/policy-reader';
import type { RunningService } from '@gmcp/mcp-kit';
import { LOCAL_HOST, localIssuer, localPort, signingKeyPath, stateDir, type McpServerName } from './local-contract';

type Env = Record<string, string | undefined>;

/** The MCP servers that exist so far; the others in the local contract are simply not started. */
const SERVERS: Partial<Record<McpServerName, (env: Env) => Promise<RunningService>>> = {
  'policy-reader': startPolicyReader,
};

/**
 * A server's environment: the shell's, with `<SERVER>_<VAR>` overriding `<VAR>`
 * (e.g. POLICY_READER_LOG_LEVEL), and the local contract's port and issuer.
 */
export function serverEnv(name: McpServerName, env: Env): Env {
  const prefix = `${name.toUpperCase().replace(/-/g, '_')}_`;
  const scoped = Object.fromEntries(
    Object.entries(env).filter(([key]) => key.startsWith(prefix)).map(([key, value]) => [key.slice(prefix.length), value]),
  );
  return { ...env, ...scoped, HOST: LOCAL_HOST, PORT: String(localPort(name, env)), AUTH_ISSUER: localIssuer(env) };
}

export interface Platform {
  readonly urls: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts the development issuer and every existing server on loopback. */
export async function startPlatform(env: Env = process.env): Promise<Platform> {
  const key = await loadOrCreateSigningKey(signingKeyPath(env));
  const issuer = await startDevIssuer(key, { port: localPort('dev-issuer', env), host: LOCAL_HOST });
  const running: RunningService[] = [];
  const stop = async () => {
    await Promise.allSettled(running.map((service) => service.stop()));
    await issuer.stop();
  };
  try {
    for (const [name, start] of Object.entries(SERVERS) as [McpServerName, (env: Env) => Promise<RunningService>][]) {
      running.push(await start(serverEnv(name, env)));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const urls = Object.fromEntries([['dev-issuer', issuer.issuer], ...running.map((service) => [service.name, service.url])]);
  return { urls, stop };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { reset: { type: 'boolean' }, 'reset-only': { type: 'boolean' } } });
  if (values.reset || values['reset-only']) {
    await rm(stateDir(), { recursive: true, force: true });
    console.error(`Local state cleared: ${stateDir()}`);
    if (values['reset-only']) return;
  }
  const platform = await startPlatform();
  const width = Math.max(...Object.keys(platform.urls).map((name) => name.length));
  console.log('\nGoverned MCP platform (local mode) is running:');
  for (const [name, url] of Object.entries(platform.urls)) console.log(`  ${name.padEnd(width)}  ${url}`);
  console.log(`\nState: ${stateDir()}`);
  console.log('Get a token: npm run token -- --sub alice --scope "policies:read"');
  console.log('Press Ctrl-C to stop.\n');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal} received, stopping…`);
    platform.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
