import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadOrCreateSigningKey, startDevIssuer } from '@gmcp/dev-issuer';
import { startOpsReader } from '@gmcp/ops-reader';
import { startOpsWriter } from '@gmcp/ops-writer';
import { startPolicyReader } from '@gmcp/policy-reader';
import type { RunningService } from '@gmcp/mcp-kit';
import {
  approvalKeyPath,
  auditKeyPath,
  LOCAL_TABLES,
  governanceFile,
  LOCAL_HOST,
  localPort,
  opsDataDir,
  signingKeyPath,
  stateDir,
  type McpServerName,
} from './local-contract';
import { loadOrCreateKey } from './local-secrets';
import { localGovernanceEnv, startPlatformDynamoDb } from './local-aws';

// See tools/jest/setup-env.js: the Node 22 notice concerns SDK releases after January 2027.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

type Env = Record<string, string | undefined>;

/** The MCP servers that exist so far; the others in the local contract are simply not started. */
const SERVERS: Partial<Record<McpServerName, (env: Env) => Promise<RunningService>>> = {
  'policy-reader': startPolicyReader,
  'ops-reader': startOpsReader,
  'ops-writer': startOpsWriter,
};

/** Local-mode settings particular to one server, under its shell overrides. */
const SERVER_DEFAULTS: Partial<Record<McpServerName, (env: Env) => Env>> = {
  'ops-reader': (env) => ({ OPS_DATABASE: 'embedded', OPS_DATA_DIR: opsDataDir(env) }),
  // Decisions only through the approvals CLI, never with an assistant's token.
  'ops-writer': (env) => ({ OPS_DATABASE: 'embedded', OPS_DATA_DIR: opsDataDir(env), APPROVAL_TABLE: LOCAL_TABLES.approvals, APPROVER_CLIENT_IDS: 'approvals-cli' }),
};

/** What local mode provides every server: the audit store, its signing key, the policy file. */
export interface LocalServerSettings {
  issuer: string;
  dynamoDbEndpoint: string;
  auditKey: string;
  approvalKey: string;
}

/** Unprefixed shell variables that apply to every server; anything else must be prefixed. */
const SHARED_VARIABLES = ['LOG_LEVEL'] as const;

/**
 * A server's environment: local-mode defaults, the few shared shell variables, then
 * `<SERVER>_<VAR>` for that server only (e.g. POLICY_READER_LOG_LEVEL), and the local
 * contract's host, port and issuer. Other shell variables are not passed on, so that a
 * stray PUBLIC_URL or AUTH_AUDIENCE cannot give every server the same audience.
 */
export function serverEnv(name: McpServerName, env: Env, local: LocalServerSettings): Env {
  const prefix = `${name.toUpperCase().replace(/-/g, '_')}_`;
  const scoped = Object.fromEntries(
    Object.entries(env).filter(([key]) => key.startsWith(prefix)).map(([key, value]) => [key.slice(prefix.length), value]),
  );
  const defaults: Env = {
    ...localGovernanceEnv({ dynamoDbEndpoint: local.dynamoDbEndpoint, auditKey: local.auditKey, governanceFile: governanceFile(name) }),
    GOVERNANCE_TTL_SECONDS: '5',
    APPROVAL_HMAC_KEY: local.approvalKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...SERVER_DEFAULTS[name]?.(env),
  };
  const shared = Object.fromEntries(SHARED_VARIABLES.map((key) => [key, env[key]]).filter(([, value]) => value !== undefined));
  return { ...defaults, ...shared, ...scoped, HOST: LOCAL_HOST, PORT: String(localPort(name, env)), AUTH_ISSUER: local.issuer };
}

export interface Platform {
  readonly urls: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts the local DynamoDB, the development issuer and every existing server on loopback. */
export async function startPlatform(env: Env = process.env): Promise<Platform> {
  const [key, auditKey, approvalKey] = await Promise.all([
    loadOrCreateSigningKey(signingKeyPath(env)),
    loadOrCreateKey(auditKeyPath(env)),
    loadOrCreateKey(approvalKeyPath(env)),
  ]);
  const dynamodb = await startPlatformDynamoDb(env);
  const running: RunningService[] = [];
  let issuer: Awaited<ReturnType<typeof startDevIssuer>> | undefined;
  const stop = async () => {
    await Promise.allSettled(running.map((service) => service.stop()));
    await issuer?.stop();
    await dynamodb.stop();
  };
  try {
    issuer = await startDevIssuer(key, { port: localPort('dev-issuer', env), host: LOCAL_HOST });
    const local = { issuer: issuer.issuer, dynamoDbEndpoint: dynamodb.endpoint, auditKey, approvalKey };
    for (const [name, start] of Object.entries(SERVERS) as [McpServerName, (env: Env) => Promise<RunningService>][]) {
      running.push(await start(serverEnv(name, env, local)));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const urls = Object.fromEntries([
    ['dev-issuer', issuer.issuer],
    ['local-dynamodb', dynamodb.endpoint],
    ...running.map((service) => [service.name, service.url]),
  ]);
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
  console.log('         or: npm run token -- --sub alice --scope "tickets:read incidents:read" --aud ops-reader');
  console.log('         or: npm run token -- --sub alice --scope "tickets:write incidents:write approvals:read" --aud ops-writer');
  console.log('Approvals:   npm run approvals -- list --as carol');
  console.log('Audit trail: npm run audit -- query --since 1h');
  console.log('Press Ctrl-C to stop.\n');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      console.log('Second signal: exiting without waiting.');
      process.exit(130);
    }
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
