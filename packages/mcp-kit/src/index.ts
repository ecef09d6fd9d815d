export {
  KitError,
  ConfigError,
  ToolDefinitionError,
  AuthenticationError,
  IdentityProviderUnavailableError,
  InsufficientScopeError,
  OriginNotAllowedError,
  ToolError,
  NotFoundError,
  ToolInputError,
  type AuthenticationFailure,
} from './errors';
export {
  defineTool,
  deriveAnnotations,
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
} from './tool/define-tool';
export { createToolSet, type RegisteredTool } from './tool/tool-set';
export { ServiceEnvSchema, parseEnv, csv, type ServiceEnv, type AsymmetricAlgorithm } from './config/env';
export { buildServiceConfig, MCP_PATH, type ServiceConfig } from './config/service-config';
export type { Actor } from './auth/actor';
export { protectedResourceMetadataUrl } from './auth/challenge';
export { createLogger, type Logger, type LogLevel } from './logging/logger';
export { GOVERNANCE_META_KEY } from './mcp/server-factory';
export { createService, type ServiceDefinition, type McpService } from './service/create-service';
export { startService, type RunningService } from './service/start-service';
