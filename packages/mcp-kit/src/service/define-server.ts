import type { ServiceEnv } from '../config/env';
import type { AccessMode, ToolDefinition } from '../tool/define-tool';
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
export function defineServer<Deps>(spec: Omit<ServerModule<Deps>, 'start'>): ServerModule<Deps> {
  return Object.freeze({
    ...spec,
    start: async (env: EnvSource = process.env) => {
      const prepared = await spec.prepare(env);
      const { name, access, tools } = prepared.definition;
      if (name !== spec.name || access !== spec.access || tools !== spec.tools) {
        await prepared.close();
        throw new Error(`Server ${spec.name}: prepare() built "${name}" (${access}) with other tools than the server declares`);
      }
      return startPrepared(prepared);
    },
  });
}
