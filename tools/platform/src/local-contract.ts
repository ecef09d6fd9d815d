import { resolve } from 'node:path';

/**
 * The local contract other issues, tests and users rely on: fixed loopback ports
 * (each overridable by environment variable) and one git-ignored state folder.
 */
export const LOCAL_HOST = '127.0.0.1';

export const LOCAL_SERVICES = {
  'dev-issuer': { port: 4100, portVariable: 'DEV_ISSUER_PORT' },
  'local-dynamodb': { port: 4110, portVariable: 'LOCAL_DYNAMODB_PORT' },
  'policy-reader': { port: 4101, portVariable: 'POLICY_READER_PORT' },
  'ops-reader': { port: 4102, portVariable: 'OPS_READER_PORT' },
  'ops-writer': { port: 4103, portVariable: 'OPS_WRITER_PORT' },
} as const;
export type LocalServiceName = keyof typeof LOCAL_SERVICES;
export type McpServerName = Exclude<LocalServiceName, 'dev-issuer' | 'local-dynamodb'>;

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
  return value in LOCAL_SERVICES && value !== 'dev-issuer' && value !== 'local-dynamodb';
}

const REPO_ROOT = resolve(__dirname, '../../..');

/** All local state (keys, stores) lives here; `npm run reset` empties it. */
export function stateDir(env: Env = process.env): string {
  return resolve(env.GMCP_STATE_DIR ?? resolve(REPO_ROOT, '.local'));
}

export function signingKeyPath(env: Env = process.env): string {
  return resolve(stateDir(env), 'dev-issuer', 'signing-key.json');
}

/** The local DynamoDB (dynalite) data folder: audit records survive restarts. */
export function dynamoDbDataDir(env: Env = process.env): string {
  return resolve(stateDir(env), 'dynamodb');
}

/** The embedded PostgreSQL (PGlite) folder of tickets and incidents, shared by the ops servers. */
export function opsDataDir(env: Env = process.env): string {
  return resolve(stateDir(env), 'ops-db');
}

/** The key that signs approval decisions (distinct from the audit key). */
export function approvalKeyPath(env: Env = process.env): string {
  return resolve(stateDir(env), 'approvals', 'hmac-key');
}

export function auditKeyPath(env: Env = process.env): string {
  return resolve(stateDir(env), 'audit', 'hmac-key');
}

export function localDynamoDbEndpoint(env: Env = process.env): string {
  return `http://${LOCAL_HOST}:${localPort('local-dynamodb', env)}`;
}

/** Each server's governance policy file in local mode. */
export function governanceFile(name: McpServerName): string {
  return resolve(REPO_ROOT, 'config', 'governance', `${name}.json`);
}

export const LOCAL_TABLES = { audit: 'gmcp-audit', rateLimits: 'gmcp-rate-limits', approvals: 'gmcp-approvals' } as const;
