import { z } from 'zod';
import registry from '../../config/servers.json';

/**
 * AWS resources beyond the kit's own (audit, rate limits, allowlist, keys) that a server's
 * functions may reach; each one adds grants (iam.ts), environment (services.ts) and, on
 * `npm start`, local settings (tools/platform).
 */
export const SERVER_RESOURCES = ['policy-bucket', 'ops-database', 'approvals'] as const;
export type ServerResource = (typeof SERVER_RESOURCES)[number];

/** Names other parts of the platform already use (local services, the migration bundle). */
export const RESERVED_SERVER_NAMES = ['dev-issuer', 'local-dynamodb', 'ops-migrate', 'console'] as const;

/** Function and role names (`gmcp-<stage>-<server>-api`) must fit AWS's 64 characters with the longest stage. */
const MAX_SERVER_NAME = 30;

/** Ports the local contract keeps for the development issuer, the approvals console and the local DynamoDB. */
export const RESERVED_LOCAL_PORTS = [4100, 4104, 4110] as const;

export const SERVER_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

const ServerEntry = z.strictObject({
  access: z.enum(['read', 'write']),
  /** Where `npm start` serves it on 127.0.0.1 (overridable with <NAME>_PORT). */
  localPort: z.number().int().min(1024).max(65535),
  uses: z.array(z.enum(SERVER_RESOURCES)).refine((list) => new Set(list).size === list.length, 'lists a resource twice'),
});
export type ServerEntry = z.output<typeof ServerEntry>;

const Registry = z
  .strictObject({
    $comment: z.string().optional(),
    servers: z.record(z.string(), ServerEntry),
  })
  .superRefine(({ servers }, ctx) => {
    const problem = (message: string) => ctx.addIssue({ code: 'custom', message, path: ['servers'] });
    const entries = Object.entries(servers);
    for (const [name] of entries) {
      if (!SERVER_NAME.test(name) || name.length > MAX_SERVER_NAME) problem(`"${name}": server names are lowercase words joined by dashes (at most ${MAX_SERVER_NAME} characters)`);
      if ((RESERVED_SERVER_NAMES as readonly string[]).includes(name)) problem(`"${name}" is reserved`);
    }
    const ports = entries.map(([, entry]) => entry.localPort);
    for (const port of new Set(ports)) {
      if (ports.filter((other) => other === port).length > 1) problem(`local port ${port} is given to more than one server`);
      if ((RESERVED_LOCAL_PORTS as readonly number[]).includes(port)) problem(`local port ${port} is reserved (development issuer, local DynamoDB)`);
    }
    const using = (resource: ServerResource) => entries.filter(([, entry]) => entry.uses.includes(resource));
    // One approval workflow (state machine, topic, backlog task) per stage, for now.
    if (using('approvals').length > 1) problem('only one server can use "approvals" (the stage has one approval workflow)');
    for (const [name, entry] of using('approvals')) if (entry.access !== 'write') problem(`${name}: "approvals" is for a write server`);
    // The ops database has one login per access mode, created by its migration step.
    for (const access of ['read', 'write'] as const) {
      const database = using('ops-database').filter(([, entry]) => entry.access === access);
      if (database.length > 1) problem(`only one ${access} server can use "ops-database" (its migration step creates one ${access} login)`);
    }
  });

/** Validates a registry document (config/servers.json); the generators check their edits with it. */
export function parseServerRegistry(json: unknown): z.output<typeof Registry> {
  const parsed = Registry.safeParse(json);
  if (!parsed.success) throw new Error(`config/servers.json is invalid:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** A registered server's name; a name missing from config/servers.json does not type-check. */
export type ServerName = keyof typeof registry.servers;

/** The registry, validated: config/servers.json. */
export const SERVERS = parseServerRegistry(registry).servers as Record<ServerName, ServerEntry>;
export const SERVER_NAMES = Object.keys(SERVERS) as ServerName[];

export function isServerName(value: string): value is ServerName {
  return Object.hasOwn(SERVERS, value);
}

export function serverUses(server: ServerName, resource: ServerResource): boolean {
  return SERVERS[server].uses.includes(resource);
}

/** The servers using a resource (e.g. the database logins the migration step creates). */
export function serversUsing(resource: ServerResource): ServerName[] {
  return SERVER_NAMES.filter((server) => serverUses(server, resource));
}

/** The server whose functions the stage's approval workflow runs (the registry allows one). */
export function approvalServer(): ServerName {
  const [server] = serversUsing('approvals');
  if (!server) throw new Error('No server in config/servers.json uses "approvals"');
  return server;
}

/** The database logins the migration step creates: the read server's and the write server's. */
export function databaseServers(): { reader?: ServerName; writer?: ServerName } {
  const using = serversUsing('ops-database');
  return { reader: using.find((server) => SERVERS[server].access === 'read'), writer: using.find((server) => SERVERS[server].access === 'write') };
}
