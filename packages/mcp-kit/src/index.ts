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
  RateLimitedError,
  TemporarilyUnavailableError,
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
export { createToolSet, TOOL_NAME, SCOPE, type RegisteredTool } from './tool/tool-set';
export { canonicalDefinition, definitionHash, hashOf, DEFINITION_FIELDS, type CanonicalDefinition } from './tool/definition-hash';
export { pinOf, type PinRefusal } from './governance/pinned-allowlist';
export { pagingCursor, requestFingerprint, CursorInput, type PagingCursor } from './tool/paging-cursor';
export { ServiceEnvSchema, parseEnv, csv, type ServiceEnv, type AsymmetricAlgorithm } from './config/env';
export { buildServiceConfig, MCP_PATH, type ServiceConfig, type FacadeSettings } from './config/service-config';
export type { Actor } from './auth/actor';
export { protectedResourceMetadataUrl } from './auth/challenge';
export { createLogger, type Logger, type LogLevel } from './logging/logger';
export { GOVERNANCE_META_KEY } from './mcp/server-factory';
export { createService, type ServiceDefinition, type McpService } from './service/create-service';
export { startService, startServiceOwning, startPrepared, type RunningService, type PreparedService } from './service/start-service';
export { defineServer, advertisedScopes, type ServerModule } from './service/define-server';
export { servedTools } from './service/service-approvals';
export { invokeTool, type InvokeToolOptions, type InvokedTool } from './testing/invoke-tool';
export { sensitive, redact, REDACTED } from './audit/redact';
export { AuditRecord, AUDIT_EVENTS, DECISIONS, type AuditEvent, type Decision, type DenialReason, type Outcome } from './audit/audit-record';
export type { AuditStore, AuditQuery, AuditPage, AuditAnomaly } from './audit/audit-store';
export { createDynamoDbAuditStore, auditItem, auditItemKey } from './audit/dynamodb-audit-store';
export { auditTableDefinition, AUDIT_INDEXES } from './audit/audit-table';
export { createRecordSigner, canonicalJson, type RecordSigner } from './audit/signer';
export { createAuditTrail, type AuditTrail, type AuditEntry, type RequestOrigin } from './audit/audit-trail';
export { GovernancePolicy, parseGovernancePolicy, DENY_ALL, type Limit } from './governance/governance-policy';
export { filePolicySource, ssmPolicySource, type PolicySource } from './governance/policy-source';
export { createCachedPolicy, type PolicyProvider } from './governance/cached-policy';
export { createGovernanceAdapters, type GovernanceAdapters } from './governance/create-governance';
export { createMemoryRateLimiter, createDynamoDbRateLimiter, rateLimitTableDefinition, type RateLimiter } from './limits/rate-limiter';
export { METRIC, DEFAULT_METRICS_NAMESPACE, createMemoryMetrics, createEmfMetrics, type Metrics, type MemoryMetrics, type MetricsSnapshot } from './metrics/metrics';
export { awsClientConfig, createDynamoDbClient, createSsmClient, ensureTables, type AwsClientOptions } from './aws/clients';
export { ApprovalRequest, ApprovalDecision, APPROVAL_STATUSES, type ApprovalStatus } from './approvals/approval-request';
export type { ApprovalStore } from './approvals/approval-store';
export type { ApprovalWorkflow } from './approvals/approval-workflow';
export { createApprovals, executionRefusal, ApprovalError, type Approvals, type PendingApproval, type ApprovedCallRunner } from './approvals/approvals';
export { createDecisionSigner, bindArguments, type DecisionSigner } from './approvals/approval-signer';
export { createDynamoDbApprovalStore, approvalTableDefinition, APPROVAL_INDEXES } from './approvals/dynamodb-approval-store';
export { createLocalWorkflow } from './approvals/local-workflow';
export { APPROVER_SCOPE, REQUEST_STATUS_SCOPE, PendingApprovalOutput } from './approvals/request-status-tool';
export { APPROVALS_PATH } from './http/approval-api';
export { FACADE_PATHS, FACADE_ROUTES } from './http/authorization-facade';
export { approvalStateMachineDefinition, APPROVAL_REJECTED_ERROR } from './approvals/approval-state-machine';
export { createStepFunctionsWorkflow, createStepFunctionsClient, ApprovalWorkflowError } from './approvals/step-functions-workflow';
export { createSnsApproverNotifier, createLogApproverNotifier, createSnsClient, notificationOf, type ApproverNotifier } from './approvals/approver-notifier';
export { runNotifierTask, type NotifierTaskInput } from './approvals/workflow-tasks';
export { createLambdaService, readAhead, type ReadAhead } from './lambda/lambda-service';
export { httpApiHandler, clientAddress, type HttpApiHandler } from './lambda/http-api-handler';
export { approvalTaskHandlers } from './lambda/approval-task-handlers';
export { lambdaEntries } from './lambda/lambda-entries';
export { approvalBacklogHandler } from './lambda/approval-backlog-handler';
export { auditDigestHandler } from './lambda/audit-digest-handler';
export { reportApprovalBacklog } from './approvals/approval-backlog';
export { once } from './lambda/once';
export { edgeGuard, edgeSecretValues, EDGE_SECRET_HEADER } from './http/edge-guard';
export { withSecretParameters, SECRET_VARIABLES } from './lambda/secret-parameters';
export * from './audit/digests';
