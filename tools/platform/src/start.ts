import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { Duration, loadDevDirectory, loadOrCreateSigningKey, mintAccessToken, startDevIssuer, type DevIssuerOptions } from '@gmcp/dev-issuer';
import { createLogger, type AuditStore, type LogLevel, type RunningService } from '@gmcp/mcp-kit/platform';
import { SERVER_MODULES, SERVER_NAMES, SERVERS, type ServerName, type ServerResource } from '@gmcp/infra';
import {
  approvalKeyPath,
  serverAuditKeyPath,
  devUsersFile,
  envPrefix,
  issuerStatePath,
  LOCAL_TABLES,
  auditRecordsDir,
  devGroupsOf,
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
import { digestLocalAudit } from './local-digests';
import { openLocalAuditStore } from './local-audit-import';
import { digestIntervalSeconds, startPeriodicDigests } from './periodic-digests';
import { listenLocalConsole, serveLocalConsole } from './local-console';
import { CONSOLE_CLIENT_ID, CONSOLE_CLIENT_SCOPES } from '@gmcp/console/deployment-contract';
import { localAuditReader } from './local-audit-reader';
import type { ListeningConsole, RunningConsole } from '@gmcp/console';
import { takenPorts } from './local-ports';

// See tools/jest/setup-env.js: the Node 22 notice concerns SDK releases after January 2027.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

type Env = Record<string, string | undefined>;

/**
 * Local-mode settings for what a server uses beyond the kit (config/servers.json), under its
 * shell overrides: the local stand-in of each AWS resource.
 */
const RESOURCE_DEFAULTS: Record<ServerResource, (env: Env, local: LocalServerSettings) => Env> = {
  'policy-bucket': () => ({}),
  'ops-database': (env) => ({ OPS_DATABASE: 'embedded', OPS_DATA_DIR: opsDataDir(env) }),
  // Decisions (and confirmations) only through the approvals CLI and console, never with an
  // assistant's token; notifications and confirmations by link point at the console.
  approvals: (_env, local) => ({
    APPROVAL_HMAC_KEY: local.approvalKey,
    APPROVAL_TABLE: LOCAL_TABLES.approvals,
    APPROVER_CLIENT_IDS: `approvals-cli,${CONSOLE_CLIENT_ID}`,
    ...(local.consoleUrl ? { APPROVAL_CONSOLE_URL: local.consoleUrl } : {}),
  }),
};

/** What local mode provides every server: the audit store, its signing key, the policy file. */
export interface LocalServerSettings {
  issuer: string;
  dynamoDbEndpoint: string;
  /** Each server's own audit signing key (base64), by server name. */
  auditKeys: Readonly<Record<string, string>>;
  approvalKey: string;
  ephemeralPorts?: boolean;
  /** The approvals console, listening before the servers start: the writer links to it. */
  consoleUrl?: string;
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
  const prefix = envPrefix(name);
  const scoped = Object.fromEntries(
    Object.entries(env).filter(([key]) => key.startsWith(prefix)).map(([key, value]) => [key.slice(prefix.length), value]),
  );
  const defaults: Env = {
    ...localGovernanceEnv({ dynamoDbEndpoint: local.dynamoDbEndpoint, auditKey: local.auditKeys[name]!, governanceFile: governanceFile(name), auditDir: auditRecordsDir(env) }),
    GOVERNANCE_TTL_SECONDS: '5',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...Object.assign({}, ...SERVERS[name].uses.map((resource) => RESOURCE_DEFAULTS[resource](env, local))),
  };
  const shared = Object.fromEntries(SHARED_VARIABLES.map((key) => [key, env[key]]).filter(([, value]) => value !== undefined));
  const port = local.ephemeralPorts ? '0' : String(localPort(name, env));
  return { ...defaults, ...shared, ...scoped, HOST: LOCAL_HOST, PORT: port, AUTH_ISSUER: local.issuer, GMCP_SERVER: name, GMCP_SERVER_ACCESS: SERVERS[name].access };
}

export interface Platform {
  readonly urls: Record<string, string>;
  /** A development token for one of the running servers (its audience is the server's MCP URL). */
  token(server: McpServerName, options: { sub?: string; scopes: readonly string[]; clientId?: string }): Promise<string>;
  /** The audit trail the servers write (the embedded store's day files in the state folder). */
  readonly auditStore: AuditStore;
  stop(): Promise<void>;
}

export interface PlatformOptions {
  /** Only these servers (every registered one by default). */
  servers?: readonly McpServerName[];
  /**
   * Every listener on a free port instead of the local contract's (tests): with GMCP_STATE_DIR
   * set to a temporary folder, nothing is shared with a running `npm start`.
   */
  ephemeralPorts?: boolean;
  /** Settings of the authorization server beyond the local contract's (tests: a trusted CA for client metadata on loopback). */
  issuer?: Pick<DevIssuerOptions, 'clientMetadataFetch' | 'accessTokenTtlSeconds' | 'logger'>;
}

/** DEV_ISSUER_ACCESS_TOKEN_TTL: how long the access tokens the authorization server issues live (15m by default). */
function accessTokenTtlSeconds(env: Env): number {
  const value = env.DEV_ISSUER_ACCESS_TOKEN_TTL;
  if (value === undefined || value === '') return 900;
  const parsed = Duration.pipe(z.number().min(10, 'must be at least 10s').max(86_400, 'must be at most 1d')).safeParse(value);
  if (!parsed.success) throw new Error(`DEV_ISSUER_ACCESS_TOKEN_TTL ${parsed.error.issues[0]?.message ?? 'is invalid'}, got "${value}"`);
  return parsed.data;
}

/** DEV_ISSUER_CLIENT_METADATA_DOCUMENTS=off: a machine with no internet access cannot fetch Claude's or VS Code's documents, so they register dynamically instead. */
function clientIdMetadataDocuments(env: Env): boolean {
  const value = env.DEV_ISSUER_CLIENT_METADATA_DOCUMENTS ?? 'on';
  if (value !== 'on' && value !== 'off') throw new Error(`DEV_ISSUER_CLIENT_METADATA_DOCUMENTS must be on or off, got "${value}"`);
  return value === 'on';
}

/** Starts the local DynamoDB, the development issuer and the servers on loopback. */
export async function startPlatform(env: Env = process.env, options: PlatformOptions = {}): Promise<Platform> {
  const servers = options.servers ?? SERVER_NAMES;
  digestIntervalSeconds(env); // a bad setting stops here, before anything starts
  if (!options.ephemeralPorts) {
    const taken = await takenPorts(['dev-issuer', 'local-dynamodb', ...servers, ...(servesApprovals(servers) ? (['console'] as const) : [])], env);
    if (taken) throw new Error(taken);
  }
  const ports = (name: 'dev-issuer' | 'local-dynamodb') => (options.ephemeralPorts ? 0 : localPort(name, env));
  const [key, approvalKey, ...serverAuditKeys] = await Promise.all([
    loadOrCreateSigningKey(signingKeyPath(env)),
    loadOrCreateKey(approvalKeyPath(env)),
    ...servers.map((name) => loadOrCreateKey(serverAuditKeyPath(name, env))),
  ]);
  const auditKeys = Object.fromEntries(servers.map((name, index) => [name, serverAuditKeys[index]!]));
  const dynamodb = await startPlatformDynamoDb(env, ports('local-dynamodb'));
  const auditStore = await openLocalAuditStore(dynamodb.endpoint, env);
  const running: RunningService[] = [];
  let issuer: Awaited<ReturnType<typeof startDevIssuer>> | undefined;
  let approvalsConsole: RunningConsole | undefined;
  let listeningConsole: ListeningConsole | undefined;
  // Every minute while it runs, so that a record deleted meanwhile is caught by the digests too.
  const digests = startPeriodicDigests(env, (message) => console.error(message));
  const stop = async () => {
    await digests.stop();
    await (approvalsConsole ?? listeningConsole)?.stop();
    await Promise.allSettled(running.map((service) => service.stop()));
    await issuer?.stop();
    // Every writer has stopped: digest what they wrote, before the store closes.
    if (running.length > 0) await digestAtShutdown(env, !options.ephemeralPorts);
    await dynamodb.stop();
  };
  try {
    issuer = await startDevIssuer(key, {
      port: ports('dev-issuer'),
      host: LOCAL_HOST,
      directory: loadDevDirectory(devUsersFile()),
      resources: () => running.map((service) => service.config.resourceUrl),
      stateFile: issuerStatePath(env),
      accessTokenTtlSeconds: accessTokenTtlSeconds(env),
      clientIdMetadataDocuments: clientIdMetadataDocuments(env),
      // The console, and only the console, may hold approvals:decide (and audit:read) for the server that takes decisions.
      clientScopes: (clientId, resource) =>
        clientId === CONSOLE_CLIENT_ID && running.some((service) => service.config.resourceUrl === resource && SERVERS[service.name as ServerName]?.uses.includes('approvals')) ? CONSOLE_CLIENT_SCOPES : [],
      logger: createLogger('dev-issuer', logLevelOf(env.DEV_ISSUER_LOG_LEVEL ?? env.LOG_LEVEL)),
      ...options.issuer,
    });
    if (servesApprovals(servers)) listeningConsole = await listenLocalConsole(env, options.ephemeralPorts ?? false);
    const local = { issuer: issuer.issuer, dynamoDbEndpoint: dynamodb.endpoint, auditKeys, approvalKey, ephemeralPorts: options.ephemeralPorts, consoleUrl: listeningConsole?.url };
    // Side by side: the policy index and the embedded database load at the same time (a server
    // that fails still lets the others finish starting, so that stop() closes them all).
    const started = await Promise.allSettled(servers.map((name) => SERVER_MODULES[name].start(serverEnv(name, env, local))));
    for (const result of started) if (result.status === 'fulfilled') running.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    const writer = running.find((service) => SERVERS[service.name as ServerName]?.uses.includes('approvals'));
    if (writer && listeningConsole) approvalsConsole = await serveLocalConsole(listeningConsole, issuer, writer, env, options.ephemeralPorts ?? false, await localAuditReader(auditStore, env));
  } catch (error) {
    await stop();
    throw error;
  }
  const urls = Object.fromEntries([
    ['dev-issuer', issuer.issuer],
    ['local-dynamodb', dynamodb.endpoint],
    ...running.map((service) => [service.name, service.url]),
    ...(approvalsConsole ? [['console', approvalsConsole.url]] : []),
  ]);
  const issuerUrl = issuer.issuer;
  const token: Platform['token'] = (server, { sub = 'alice', scopes, clientId }) => {
    const service = running.find((candidate) => candidate.name === server);
    if (!service) throw new Error(`${server} is not running`);
    return mintAccessToken(key, { issuer: issuerUrl, subject: sub, audience: service.config.auth.audience, scopes: [...scopes], groups: devGroupsOf(sub), ttlSeconds: 300, ...(clientId ? { clientId } : {}) });
  };
  return {
    urls,
    token,
    auditStore,
    stop,
  };
}

/** A server with approvals among those started: the console comes with it. */
function servesApprovals(servers: readonly ServerName[]): boolean {
  return servers.some((name) => SERVERS[name].uses.includes('approvals'));
}

function logLevelOf(value: string | undefined): LogLevel {
  const level = (value ?? 'INFO').toUpperCase();
  if (!['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'].includes(level)) throw new Error(`DEV_ISSUER_LOG_LEVEL must be DEBUG, INFO, WARN, ERROR or SILENT, got "${value}"`);
  return level as LogLevel;
}

async function digestAtShutdown(env: Env, report: boolean): Promise<void> {
  try {
    const digest = await digestLocalAudit(env, 0);
    if (digest && report) console.log(`Audit digest: ${digest.record_count} record(s), ${digest.range.start} → ${digest.range.end} (npm run audit -- verify)`);
  } catch (error) {
    console.error(`The audit digest could not be written: ${(error as Error).message}`);
  }
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
  console.log('\nConnect an assistant by OAuth (guide: docs/connect-an-assistant.md). Claude Code:');
  for (const name of SERVER_NAMES) if (platform.urls[name]) console.log(`  claude mcp add --transport http ${name} ${platform.urls[name]}`);
  console.log(`It opens the issuer's sign-in page: pick a development user (config/dev-users.json) and allow.`);
  console.log('\nScripts and curl take a token instead:');
  console.log('  npm run token -- --sub alice --scope "policies:read"');
  console.log('  npm run token -- --sub alice --scope "tickets:read incidents:read" --aud ops-reader');
  console.log('  npm run token -- --sub alice --scope "tickets:write incidents:write approvals:read" --aud ops-writer');
  if (platform.urls.console) console.log(`Console:     ${platform.urls.console} (sign in as carol to approve, alice to confirm her own changes, erin to audit), or npm run approvals -- list --as carol`);
  console.log(`Audit trail: ${auditRecordsDir()} (one file per UTC day), read with npm run audit -- query --since 1h`);
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
