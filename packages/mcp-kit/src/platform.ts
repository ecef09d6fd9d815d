/**
 * The kit for the platform's own tools, infrastructure code, benchmarks and end-to-end tests
 * (`@gmcp/mcp-kit/platform`): the stores and their table definitions, audit digests,
 * approvals, governance policy parsing, AWS clients, metrics and the service builders.
 * Apps use `@gmcp/mcp-kit`; nothing here is for a tool's handler.
 */
export * from './index';

// Configuration and services.
export { csv, type AsymmetricAlgorithm } from './config/env';
export { buildServiceConfig, MCP_PATH, type ServiceConfig, type FacadeSettings } from './config/service-config';
export { edgeSecretValues, EDGE_SECRET_HEADER } from './config/edge-secret';
export { createService, type McpService } from './service/create-service';
export { startService, startServiceOwning, startPrepared, type RunningService, type PreparedService } from './service/start-service';
export type { ServiceDefinition } from './service/service-definition';
export { advertisedScopes } from './service/advertised-scopes';
export { servedTools } from './service/service-approvals';
export { createGovernanceAdapters, type GovernanceAdapters } from './service/governance-adapters';

// Tools as the platform sees them.
export { createToolSet, TOOL_NAME, SCOPE, type RegisteredTool } from './tool/tool-set';
export { canonicalDefinition, definitionHash, hashOf, DEFINITION_FIELDS, type CanonicalDefinition } from './tool/definition-hash';
export { PendingApprovalOutput } from './tool/pending-approval';
export { GOVERNANCE_META_KEY } from './mcp/wire-tool';
export { FACADE_PATHS, FACADE_ROUTES } from './http/authorization-facade';
export { APPROVALS_PATH } from './http/approval-api';
export { canonicalJson } from './signing/canonical-json';

// Governance.
export { GovernancePolicy, parseGovernancePolicy, DENY_ALL, type Limit } from './governance/governance-policy';
export { type PolicySource } from './governance/policy-source';
export { filePolicySource } from './governance/file-policy-source';
export { ssmPolicySource } from './governance/ssm-policy-source';
export { createCachedPolicy, type PolicyProvider } from './governance/cached-policy';
export { pinOf, type PinRefusal } from './governance/pinned-allowlist';
export { fileCallPolicySource, ssmCallPolicySource, callPoliciesFileBeside, type CallPolicySource } from './governance/call-policy-source';
export { cedarSchemaOf, type CedarSchemaJson } from './cedar/cedar-schema';
export { VALIDATED_CALL_POLICIES_FILE, callPolicyFingerprint, readValidatedCallPolicies } from './cedar/validated-call-policies';
export { compileCallPolicies, validateCallPolicies, toolResource, CallPolicyError, REQUIREMENTS, type CallPolicies, type CallPolicyDecision, type CallResource, type Requirement, type ValidatedCallPolicies } from './cedar/call-policies';
export { cedarEngine } from './cedar/cedar-engine';
export { validateInput } from './pipeline/validate-input';
export { type RateLimiter } from './limits/rate-limiter';
export { createMemoryRateLimiter } from './limits/memory-rate-limiter';
export { createDynamoDbRateLimiter, rateLimitTableDefinition } from './limits/dynamodb-rate-limiter';
export { createShardedRateLimiter, shardCount, MAX_WRITES_PER_SECOND_PER_KEY } from './limits/sharded-rate-limiter';
export { sequentialAdmission, type CallAdmission, type Admission, type Counter } from './audit/call-admission';
export { createDynamoDbCallAdmission } from './audit/dynamodb-call-admission';
export { METRIC, METRICS_SCOPE, DEFAULT_METRICS_NAMESPACE, type Metrics } from './metrics/metrics';
export { createMemoryMetrics, type MemoryMetrics, type MetricsSnapshot } from './metrics/memory-metrics';
export { createEmfMetrics } from './metrics/emf-metrics';
export { awsClientConfig, createDynamoDbClient, createSsmClient, ensureTables, type AwsClientOptions } from './aws/clients';

// The audit trail and its digests.
export { AuditRecord, AUDIT_EVENTS, DECISIONS, newEventId, type AuditEvent, type Decision, type DenialReason, type Outcome } from './audit/audit-record';
export type { AuditStore, AuditQuery, AuditPage, AuditAnomaly } from './audit/audit-store';
export { createDynamoDbAuditStore, auditItem, auditItemKey, parseAuditItem } from './audit/dynamodb-audit-store';
export { createFileAuditStore, AuditRecordExists } from './audit/file-audit-store';
export { auditTableDefinition, AUDIT_INDEXES } from './audit/audit-table';
export { createRecordSigner, createRecordVerifier, auditKeyId, type RecordSigner, type ServerKeys, type LegacyKeys } from './audit/signer';
export { createAuditTrail, type AuditTrail, type AuditEntry, type RequestOrigin } from './audit/audit-trail';
export { checkWriterChains, checkCallPairs, type TrailFinding, type TrailFindingKind } from './audit/writer-chains';
export { createAuditReader, type AuditReader, type AuditReaderOptions, type ChainState, type CheckedRecord, type RecordVerifier, type TrailCheck } from './audit/audit-reader';
export { verifyAuditDigests, recordHash, digestHash, keyIdOf, DIGEST_VERSION, type AuditDigest, type VerifyReport, type RangeReport, type Finding, type FindingKind } from './audit/digests/digest-core';
export { type DigestSigner } from './audit/digests/digest-signer';
export { createEd25519DigestSigner } from './audit/digests/ed25519-digest-signer';
export { parseDigest, digestKey, AuditDigestSchema, type DigestStore } from './audit/digests/digest-store';
export { createFolderDigestStore } from './audit/digests/folder-digest-store';
export { createAuditDigest, recordsIn, type DigestOptions } from './audit/digests/create-digest';
export { exportLines, parseExport, formatReport } from './audit/digests/digest-export';
export { createKmsDigestSigner, createKmsClient } from './audit/digests/kms-digest-signer';
export { createS3DigestStore, createDigestS3Client, DIGEST_PREFIX, PUBLIC_KEY_OBJECT } from './audit/digests/s3-digest-store';

// Approvals.
export { ApprovalRequest, ApprovalDecision, APPROVAL_STATUSES, type ApprovalStatus } from './approvals/approval-request';
export type { ApprovalStore } from './approvals/approval-store';
export type { ApprovalWorkflow } from './approvals/approval-workflow';
export { createApprovals, executionRefusal, type Approvals, type PendingApproval, type ApprovedCallRunner } from './approvals/approvals';
export { createDecisionSigner, bindArguments, type DecisionSigner } from './approvals/approval-signer';
export { createDynamoDbApprovalStore, approvalTableDefinition, APPROVAL_INDEXES } from './approvals/dynamodb-approval-store';
export { createLocalWorkflow } from './approvals/local-workflow';
export { APPROVER_SCOPE, REQUEST_STATUS_SCOPE } from './approvals/request-status-tool';
export { approvalStateMachineDefinition, APPROVAL_REJECTED_ERROR } from './approvals/approval-state-machine';
export { createStepFunctionsWorkflow, createStepFunctionsClient, ApprovalWorkflowError } from './approvals/step-functions-workflow';
export { notificationOf, type ApproverNotifier } from './approvals/approver-notifier';
export { createSnsApproverNotifier, createSnsClient } from './approvals/sns-approver-notifier';
export { createLogApproverNotifier } from './approvals/log-approver-notifier';
export { reportApprovalBacklog } from './approvals/approval-backlog';
export { SECRET_VARIABLES } from './lambda/secret-parameters';
