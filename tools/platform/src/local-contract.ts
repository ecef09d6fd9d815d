import { resolve } from 'node:path';
import { loadDevDirectory } from '@gmcp/dev-issuer';
import { isServerName, SERVER_NAMES, SERVERS, type ServerName } from '@gmcp/infra/servers';

/**
 * The local contract other issues, tests and users rely on: fixed loopback ports
 * (each overridable by environment variable) and one git-ignored state folder.
 */
export const LOCAL_HOST = '127.0.0.1';

/** Each server's port comes from config/servers.json; the variable is its name in capitals (OPS_READER_PORT). */
export const LOCAL_SERVICES: Record<LocalServiceName, { port: number; portVariable: string }> = {
  'dev-issuer': { port: 4100, portVariable: 'DEV_ISSUER_PORT' },
  'local-dynamodb': { port: 4110, portVariable: 'LOCAL_DYNAMODB_PORT' },
  console: { port: 4104, portVariable: 'CONSOLE_PORT' },
  ...(Object.fromEntries(SERVER_NAMES.map((name) => [name, { port: SERVERS[name].localPort, portVariable: `${envPrefix(name)}PORT` }])) as Record<ServerName, { port: number; portVariable: string }>),
};
export type McpServerName = ServerName;
export type LocalServiceName = 'dev-issuer' | 'local-dynamodb' | 'console' | McpServerName;

/** A server's own shell variables start with its name in capitals: OPS_READER_LOG_LEVEL. */
export function envPrefix(name: McpServerName): string {
  return `${name.toUpperCase().replace(/-/g, '_')}_`;
}

type Env = Record<string, string | undefined>;

export function localPort(name: LocalServiceName, env: Env = process.env): number {
  const { port, portVariable } = LOCAL_SERVICES[name];
  const override = env[portVariable];
  if (override === undefined || override === '') return port;
  const parsed = Number(override);
  // Port 0 is refused: tokens and clients need the URLs to be known in advance.
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65535) {
    throw new Error(`${portVariable} must be a port number (1-65535), got "${override}"`);
  }
  return parsed;
}

export function localIssuer(env: Env = process.env): string {
  return `http://${LOCAL_HOST}:${localPort('dev-issuer', env)}`;
}

/** A server's audience is its own MCP endpoint URL. */
export function localAudience(name: McpServerName, env: Env = process.env): string {
  return `http://${LOCAL_HOST}:${localPort(name, env)}/mcp`;
}

export function isMcpServerName(value: string): value is McpServerName {
  return isServerName(value);
}

const REPO_ROOT = resolve(__dirname, '../../..');

/** All local state (keys, stores) lives here; `npm run reset` empties it. */
export function stateDir(env: Env = process.env): string {
  return resolve(env.GMCP_STATE_DIR ?? resolve(REPO_ROOT, '.local'));
}

export function signingKeyPath(env: Env = process.env): string {
  return resolve(stateDir(env), 'dev-issuer', 'signing-key.json');
}

/** The authorization server's registered clients, grants and refresh tokens: assistants stay connected across restarts. */
export function issuerStatePath(env: Env = process.env): string {
  return resolve(stateDir(env), 'dev-issuer', 'oauth-state.json');
}

/** DEVELOPMENT ONLY: who can sign in to the local authorization server, and the scopes each holds. */
export function devUsersFile(): string {
  return resolve(REPO_ROOT, 'config', 'dev-users.json');
}

let devGroups: ReadonlyMap<string, readonly string[]> | undefined;

/**
 * DEVELOPMENT ONLY: the groups a development user's tokens carry (config/dev-users.json), so
 * that tokens minted for `alice` say what her sign-in would; nobody else has any.
 */
export function devGroupsOf(subject: string): string[] {
  devGroups ??= new Map(loadDevDirectory(devUsersFile()).users.map((user) => [user.id, user.groups]));
  return [...(devGroups.get(subject) ?? [])];
}

/** The audit records: the embedded store's day files (one writer, `npm start`; the CLI and console read them). */
export function auditRecordsDir(env: Env = process.env): string {
  return resolve(stateDir(env), 'audit', 'records');
}

/** The local DynamoDB (dynalite) data folder: approvals and their state survive restarts. */
export function dynamoDbDataDir(env: Env = process.env): string {
  return resolve(stateDir(env), 'dynamodb');
}

/** The embedded PostgreSQL (PGlite) folder of tickets and incidents, shared by the ops servers. */
export function opsDataDir(env: Env = process.env): string {
  return resolve(stateDir(env), 'ops-db');
}

/** The approvals console's client secret at the development authorization server. */
export function consoleSecretPath(env: Env = process.env): string {
  return resolve(stateDir(env), 'console', 'client-secret');
}

/** The key that signs approval decisions (distinct from the audit key). */
export function approvalKeyPath(env: Env = process.env): string {
  return resolve(stateDir(env), 'approvals', 'hmac-key');
}

/** The shared audit key of earlier versions: kept only to verify the records it signed (they name no key). */
export function legacyAuditKeyPath(env: Env = process.env): string {
  return resolve(stateDir(env), 'audit', 'hmac-key');
}

/** Each server's audit keys: `current` signs, the others (retired by rotation) still verify its old records. */
export function serverAuditKeyDir(server: string, env: Env = process.env): string {
  return resolve(stateDir(env), 'audit', 'keys', server);
}

export function serverAuditKeyPath(server: string, env: Env = process.env): string {
  return resolve(serverAuditKeyDir(server, env), 'current');
}

/** The Ed25519 key that signs audit digests (private: the state folder only). */
export function digestKeyPath(env: Env = process.env): string {
  return resolve(stateDir(env), 'audit', 'digest-signing-key.pem');
}

/** Where a verifier fetches the digests' public key. */
export function digestPublicKeyPath(env: Env = process.env): string {
  return resolve(stateDir(env), 'audit', 'digest-public-key.pem');
}

/** The audit digests, one JSON file per range, apart from the records. */
export function digestDir(env: Env = process.env): string {
  return resolve(stateDir(env), 'audit', 'digests');
}

/**
 * The append-only list of every digest's hash (AUDIT_DIGEST_INDEX, by default beside the
 * digests; put it where the platform's own user cannot rewrite it, such as a folder made
 * append-only with `chattr +a` or another user's share, to take it out of an intruder's reach).
 */
export function digestIndexPath(env: Env = process.env): string {
  return env.AUDIT_DIGEST_INDEX ? resolve(env.AUDIT_DIGEST_INDEX) : resolve(stateDir(env), 'audit', 'digest-index.log');
}

export function localDynamoDbEndpoint(env: Env = process.env): string {
  return `http://${LOCAL_HOST}:${localPort('local-dynamodb', env)}`;
}

/** Each server's governance policy file in local mode. */
export function governanceFile(name: McpServerName): string {
  return resolve(REPO_ROOT, 'config', 'governance', `${name}.json`);
}

export const LOCAL_TABLES = { audit: 'gmcp-audit', rateLimits: 'gmcp-rate-limits', approvals: 'gmcp-approvals' } as const;
