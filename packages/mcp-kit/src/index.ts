/**
 * The kit for app authors (`@gmcp/mcp-kit`): declare tools and a server; the kit serves
 * them governed (authentication, allowlist, scopes, rate limits, audit, approvals).
 *
 * Other audiences have their own entry points: `@gmcp/mcp-kit/testing` (run a tool in a
 * unit test), `@gmcp/mcp-kit/lambda` (Lambda entries), `@gmcp/mcp-kit/platform` (the
 * platform's own tools, infrastructure and end-to-end tests).
 */

// Tools.
export {
  defineTool,
  toolsFor,
  RISK_LEVELS,
  ACCESS_MODES,
  CLASSIFICATIONS,
  type RiskLevel,
  type AccessMode,
  type Classification,
  type ToolContext,
  type ToolSpec,
  type ToolDefinition,
  type ToolAnnotations,
  type ToolResource,
} from './tool/define-tool';
export { pagingCursor, requestFingerprint, CursorInput, type PagingCursor } from './tool/paging-cursor';
export { DateInput } from './tool/input-types';
export { isLoopbackOrigin } from './config/loopback';
export { sensitive } from './audit/redact';
export type { Actor } from './auth/actor';

// Servers.
export { defineServer, type ServerSpec, type ServerModule, type DepsContext } from './service/define-server';
export type { ErrorMapper } from './tool/tool-set';
export type { RunningService } from './service/start-service';
export { ServiceEnvSchema, parseEnv, type ServiceEnv } from './config/env';
export { createLogger, type Logger, type LogLevel } from './logging/logger';

// Errors a tool throws, and what a configuration refuses.
export { KitError, ToolError, NotFoundError, ToolInputError, TemporarilyUnavailableError, ConfigError, ToolDefinitionError } from './errors/errors';
