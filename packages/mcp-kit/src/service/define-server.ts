import type { z } from 'zod';
import { parseEnv, type ServiceEnv } from '../config/env';
import { ConfigError } from '../errors/errors';
import { createLogger, type Logger } from '../logging/logger';
import type { AccessMode, ToolDefinition } from '../tool/define-tool';
import { assertToolSet, type ErrorMapper } from '../tool/tool-set';
import { advertisedScopes } from './advertised-scopes';
import { startPrepared, type PreparedService, type RunningService } from './start-service';

type EnvSource = Record<string, string | undefined>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each tool has its own schemas
type AnyTool<Deps> = ToolDefinition<any, any, Deps>;

/** What an app's `deps` builder may use: its logger, and where to register what must be closed when the server stops. */
export interface DepsContext {
  readonly logger: Logger;
  /** Runs when the server stops, or when its start fails after this call (a database connection, a file watcher). */
  onClose(close: () => Promise<void>): void;
}

/** Everything an app declares about its server, once. */
export interface ServerSpec<Env extends ServiceEnv, Deps> {
  /** As registered in config/servers.json. */
  name: string;
  version: string;
  /** What the assistant reads first: what the server offers and how to use its tools. */
  instructions?: string;
  /** `read` servers refuse write tools at start-up. */
  access: AccessMode;
  /** The server's environment: the kit's `ServiceEnvSchema` extended with the app's variables (and checks). */
  env: z.ZodType<Env, unknown>;
  tools: readonly AnyTool<Deps>[];
  /** Scopes the app checks itself, beyond its tools' (e.g. clearance levels). */
  additionalScopes?: readonly string[];
  /** Builds the adapters the tools use from the parsed environment (an AWS one or a local one, per port). */
  deps(env: Env, context: DepsContext): Promise<Deps> | Deps;
  /** Runs on the final adapters (after a test's replacements) before the server takes calls: load an index, check a login. */
  warmUp?(deps: Deps): Promise<void>;
  /**
   * Turns the app's domain errors (thrown by its handlers, prechecks or adapters) into tool
   * errors the caller may read. What it leaves is a generic failure with a reference, its
   * detail in the log only.
   *
   * @example
   * ```ts
   * mapError: (error) => (error instanceof RecordNotFoundError ? new NotFoundError(error.message) : undefined),
   * ```
   */
  mapError?: ErrorMapper;
}

/**
 * One MCP server as the platform sees it, derived from its {@link ServerSpec}: what `npm
 * start`, the Lambda entries, the deployment plan and the generators use.
 */
export interface ServerModule<Deps = unknown, Env extends ServiceEnv = ServiceEnv> {
  readonly name: string;
  readonly version: string;
  readonly access: AccessMode;
  /** The app's own tools (the kit may add its own, such as get_request_status). */
  readonly tools: readonly AnyTool<Deps>[];
  readonly additionalScopes?: readonly string[];
  readonly mapError?: ErrorMapper;
  /** What its protected-resource metadata advertises: see {@link advertisedScopes}. */
  readonly scopes: readonly string[];
  /** Validates its environment (and that the registry's GMCP_SERVER names this module), as `prepare` does first. */
  parseEnv(source: EnvSource): Env;
  /** Builds the server from its environment: shared by the local start and the Lambda entries. Tests may replace adapters. */
  prepare(source: EnvSource, options?: { deps?: Partial<Deps> }): Promise<PreparedService<Deps>>;
  /** Prepares and starts it on its port (process.env by default). */
  start(source?: EnvSource, options?: { deps?: Partial<Deps> }): Promise<RunningService>;
}

/**
 * Declares an app's server, once: its identity, environment, tools and how its adapters are
 * built. The local start, the Lambda entry and the deployment all derive from it. Where the
 * platform says which server a process is (`GMCP_SERVER`, `GMCP_SERVER_ACCESS`, set from
 * config/servers.json locally and on Lambda), the declaration must match it.
 *
 * @example
 * ```ts
 * export const opsWriter = defineServer({
 *   name: 'ops-writer', version: '0.1.0', access: 'write',
 *   env: OpsWriterEnv,
 *   tools: opsWriterTools,
 *   async deps(env, { logger, onClose }) {
 *     const database = await openOpsDatabase(env, 'writer', logger);
 *     onClose(() => database.close());
 *     return { tickets: createTicketWrites(database.executor) };
 *   },
 * });
 * ```
 */
export function defineServer<Env extends ServiceEnv, Deps>(spec: ServerSpec<Env, Deps>): ServerModule<Deps, Env> {
  const parse = (source: EnvSource): Env => {
    checkRegistration(spec, source);
    return parseEnv(spec.env, source) as Env;
  };
  const prepare = async (source: EnvSource, options: { deps?: Partial<Deps> } = {}): Promise<PreparedService<Deps>> => {
    const env = parse(source);
    assertToolSet(spec.tools, { serverAccess: spec.access });
    const logger = createLogger(spec.name, env.LOG_LEVEL);
    const closers: (() => Promise<void>)[] = [];
    const close = async () => {
      for (const closer of closers.reverse()) await closer();
    };
    let deps: Deps;
    try {
      deps = { ...(await spec.deps(env, { logger, onClose: (closer) => void closers.push(closer) })), ...options.deps };
      await spec.warmUp?.(deps);
    } catch (error) {
      await close();
      throw error;
    }
    const { name, version, instructions, access, tools, additionalScopes, mapError } = spec;
    return { env, definition: { name, version, instructions, access, tools, additionalScopes, mapError, deps, logger }, close };
  };
  return Object.freeze({
    name: spec.name,
    version: spec.version,
    access: spec.access,
    tools: spec.tools,
    additionalScopes: spec.additionalScopes,
    mapError: spec.mapError,
    scopes: advertisedScopes(spec.tools, spec.additionalScopes),
    parseEnv: parse,
    prepare,
    start: async (source: EnvSource = process.env, options?: { deps?: Partial<Deps> }) => startPrepared(await prepare(source, options)),
  });
}

/** The registry (config/servers.json) and the module agree on which server this is. */
function checkRegistration(spec: { name: string; access: AccessMode }, source: EnvSource): void {
  const registered = source.GMCP_SERVER;
  const access = source.GMCP_SERVER_ACCESS;
  if (registered !== undefined && registered !== spec.name) {
    throw new ConfigError(`Invalid configuration: this process is registered as ${registered}, but its module is ${spec.name}`, ['GMCP_SERVER']);
  }
  if (access !== undefined && access !== spec.access) {
    throw new ConfigError(`Invalid configuration: config/servers.json registers ${spec.name} as ${access}, but its module is ${spec.access}`, ['GMCP_SERVER_ACCESS']);
  }
}
