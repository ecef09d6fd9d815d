import type { Logger } from '../logging/logger';
import type { ServerIdentity } from '../mcp/server-factory';
import type { AccessMode, ToolDefinition } from '../tool/define-tool';
import type { ErrorMapper } from '../tool/tool-set';

/** What a service is built from: who it is, what it may do, its tools and its adapters. */
export interface ServiceDefinition<Deps> extends ServerIdentity {
  /** `read` servers refuse write tools at start-up. */
  access: AccessMode;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each tool has its own schemas
  tools: readonly ToolDefinition<any, any, Deps>[];
  deps: Deps;
  /** Scopes the tools check themselves (e.g. clearance levels), advertised beside the tools' own. */
  additionalScopes?: readonly string[];
  logger?: Logger;
  /** Turns the app's domain errors into tool errors the caller may read. */
  mapError?: ErrorMapper;
}
