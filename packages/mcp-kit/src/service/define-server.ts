import type { ServiceEnv } from '../config/env';
import type { AccessMode, ToolDefinition } from '../tool/define-tool';
import { REQUEST_STATUS_SCOPE } from '../approvals/request-status-tool';
import { startPrepared, type PreparedService, type RunningService } from './start-service';

type EnvSource = Record<string, string | undefined>;

/**
 * One MCP server as the platform sees it: what `npm start`, the Lambda entries and the
 * deployment plan need to know about an app, exported from the app's own package.
 */
export interface ServerModule<Deps = unknown> {
  /** The server's name, as registered in config/servers.json. */
  readonly name: string;
  readonly access: AccessMode;
  /** The app's own tools (the kit may add its own, such as get_request_status). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each tool has its own schemas
  readonly tools: readonly ToolDefinition<any, any, Deps>[];
  /** Scopes the app checks itself, beyond its tools' (e.g. clearance levels). */
  readonly additionalScopes?: readonly string[];
  /** What its protected-resource metadata advertises: see {@link advertisedScopes}. */
  readonly scopes: readonly string[];
  /** Validates its environment (the kit's variables and the app's own), as `prepare` does first. */
  parseEnv(env: EnvSource): ServiceEnv;
  /** Builds the server from its environment: shared by the local start and the Lambda entries. */
  prepare(env: EnvSource): Promise<PreparedService<Deps>>;
  /** Prepares and starts it on its port (process.env by default). */
  start(env?: EnvSource): Promise<RunningService>;
}

/**
 * Declares an app's server. Starting it checks that what `prepare` built is the server
 * declared here, so that the registry, the deployment and the running server agree.
 */
export function defineServer<Deps>(spec: Omit<ServerModule<Deps>, 'start' | 'scopes'>): ServerModule<Deps> {
  return Object.freeze({
    ...spec,
    scopes: advertisedScopes(spec.tools, spec.additionalScopes),
    start: async (env: EnvSource = process.env) => {
      const prepared = await spec.prepare(env);
      const { name, access, tools, additionalScopes } = prepared.definition;
      if (name !== spec.name || access !== spec.access || tools !== spec.tools || !sameScopes(additionalScopes, spec.additionalScopes)) {
        await prepared.close();
        throw new Error(`Server ${spec.name}: prepare() built "${name}" (${access}) with other tools than the server declares`);
      }
      return startPrepared(prepared);
    },
  });
}

/**
 * The scopes a server's RFC 9728 metadata advertises, which MCP clients ask the authorization
 * server for: its tools' own, get_request_status's when a tool needs approval, and the scopes
 * the app checks itself. The development issuer grants nothing else for the server.
 */
export function advertisedScopes(tools: readonly Pick<ToolDefinition<never, never, never>, 'scope' | 'risk'>[], additionalScopes: readonly string[] = []): string[] {
  const approvals = tools.some((tool) => tool.risk === 'high') ? [REQUEST_STATUS_SCOPE] : [];
  return [...new Set([...tools.map((tool) => tool.scope), ...approvals, ...additionalScopes])].sort();
}

function sameScopes(left: readonly string[] = [], right: readonly string[] = []): boolean {
  return left.length === right.length && left.every((scope, index) => scope === right[index]);
}
