import { join } from 'node:path';
import { ConfigError } from '../errors/errors';
import type { ServiceEnv } from '../config/env';
import type { Logger } from '../logging/logger';
import { type Metrics } from '../metrics/metrics';
import { createMemoryMetrics } from '../metrics/memory-metrics';
import { createEmfMetrics } from '../metrics/emf-metrics';
import { createDynamoDbClient, createSsmClient } from '../aws/clients';
import { createDynamoDbAuditStore } from '../audit/dynamodb-audit-store';
import type { AuditStore } from '../audit/audit-store';
import { createFileAuditStore } from '../audit/file-audit-store';
import { createRecordSigner, type RecordSigner } from '../audit/signer';
import { type RateLimiter } from '../limits/rate-limiter';
import { createDynamoDbRateLimiter } from '../limits/dynamodb-rate-limiter';
import { createMemoryRateLimiter } from '../limits/memory-rate-limiter';
import { createShardedRateLimiter } from '../limits/sharded-rate-limiter';
import type { CallAdmission } from '../audit/call-admission';
import { createDynamoDbCallAdmission } from '../audit/dynamodb-call-admission';
import { createCachedPolicy, type PolicyProvider } from '../governance/cached-policy';
import { type PolicySource } from '../governance/policy-source';
import { filePolicySource } from '../governance/file-policy-source';
import { ssmPolicySource } from '../governance/ssm-policy-source';
import { readValidatedCallPolicies, VALIDATED_CALL_POLICIES_FILE, type ValidatedCallPolicies } from '../cedar/validated-call-policies';
import { readAheadOnce } from '../governance/read-ahead-source';
import { callPoliciesFileBeside, fileCallPolicySource, ssmCallPolicySource, type CallPolicySource } from '../governance/call-policy-source';
import type { ConfirmationSettings } from '../mcp/confirmation';
import { createApprovalAdapters, type ApprovalAdapters } from './approval-adapters';
import { createCursorSeals, cursorKeyFrom, type CursorSeals } from '../tool/cursor-seal';

/** The governance ports of one server, with the adapters its configuration picks. */
export interface GovernanceAdapters {
  policy: PolicyProvider;
  /** Where the server's call policies (Cedar) are read from, on the allowlist's TTL and staleness bound. */
  callPolicies?: { source: CallPolicySource; ttlMs: number; maxStalenessMs: number; validated?: ValidatedCallPolicies };
  auditStore: AuditStore;
  signer: RecordSigner;
  rateLimiter: RateLimiter;
  /**
   * Counts calls and writes their write-ahead records in one step, where the counters and the
   * trail share a store (DynamoDB: one transaction). Without it, counters then record (memory
   * counters take no round trip).
   */
  admission?: CallAdmission;
  metrics: Metrics;
  /** Seals the paging cursors of its tools, with a key of its own (derived from its record-signing secret). */
  cursors: CursorSeals;
  /** Present when approvals are configured (APPROVAL_HMAC_KEY). */
  approvals?: ApprovalAdapters;
  /** Present with the approval key, which also signs the confirmation state of medium-risk calls. */
  confirmation?: ConfirmationSettings;
}

/**
 * The one place where configuration chooses governance adapters. `readAhead`: SSM parameters a
 * cold start already read, by name (the allowlist's and the call policies' first reads use them).
 */
export function createGovernanceAdapters(env: ServiceEnv, serviceName: string, logger: Logger, readAhead: ReadonlyMap<string, string> = new Map()): GovernanceAdapters {
  if (env.GOVERNANCE_MAX_STALENESS_SECONDS < env.GOVERNANCE_TTL_SECONDS) {
    throw new ConfigError('Invalid configuration: GOVERNANCE_MAX_STALENESS_SECONDS must be at least GOVERNANCE_TTL_SECONDS', ['GOVERNANCE_MAX_STALENESS_SECONDS']);
  }
  const metrics = env.METRICS === 'emf' ? createEmfMetrics(env.METRICS_NAMESPACE, serviceName) : createMemoryMetrics();
  const dynamodb = createDynamoDbClient({ region: env.AWS_REGION, endpoint: env.DYNAMODB_ENDPOINT });
  const callPolicies = callPolicySource(env, readAhead);
  return {
    metrics,
    auditStore: auditStore(env, dynamodb),
    signer: createRecordSigner(Buffer.from(env.AUDIT_HMAC_KEY, 'base64')),
    cursors: createCursorSeals(cursorKeyFrom(Buffer.from(env.AUDIT_HMAC_KEY, 'base64'), serviceName)),
    approvals: createApprovalAdapters(env, dynamodb, logger),
    confirmation: confirmationSettings(env),
    // Shared counters are spread over keys when a limit is high enough to make one item hot.
    rateLimiter: env.RATE_LIMIT_STORE === 'dynamodb' ? createShardedRateLimiter(createDynamoDbRateLimiter(dynamodb, env.RATE_LIMIT_TABLE)) : createMemoryRateLimiter(),
    // One transaction only where the counters and the trail are both in DynamoDB.
    ...(env.RATE_LIMIT_STORE === 'dynamodb' && env.AUDIT_STORE === 'dynamodb' ? { admission: createDynamoDbCallAdmission(dynamodb, { counters: env.RATE_LIMIT_TABLE, audit: env.AUDIT_TABLE }) } : {}),
    ...(callPolicies ? { callPolicies: { source: callPolicies, ttlMs: env.GOVERNANCE_TTL_SECONDS * 1000, maxStalenessMs: env.GOVERNANCE_MAX_STALENESS_SECONDS * 1000, ...validatedAtBuild(env) } } : {}),
    policy: createCachedPolicy({
      source: policySource(env, readAhead),
      ttlMs: env.GOVERNANCE_TTL_SECONDS * 1000,
      maxStalenessMs: env.GOVERNANCE_MAX_STALENESS_SECONDS * 1000,
      metrics,
      logger,
    }),
  };
}

function auditStore(env: ServiceEnv, dynamodb: ReturnType<typeof createDynamoDbClient>): AuditStore {
  if (env.AUDIT_STORE === 'dynamodb') return createDynamoDbAuditStore(dynamodb, env.AUDIT_TABLE);
  if (!env.AUDIT_DIR) throw new ConfigError('Invalid configuration: AUDIT_DIR is required when AUDIT_STORE=file', ['AUDIT_DIR']);
  return createFileAuditStore(env.AUDIT_DIR);
}

function policySource(env: ServiceEnv, readAhead: ReadonlyMap<string, string>): PolicySource {
  if (env.GOVERNANCE_SOURCE === 'ssm') {
    if (!env.GOVERNANCE_SSM_PARAMETER) throw new ConfigError('Invalid configuration: GOVERNANCE_SSM_PARAMETER is required when GOVERNANCE_SOURCE=ssm', ['GOVERNANCE_SSM_PARAMETER']);
    const source = ssmPolicySource(createSsmClient({ region: env.AWS_REGION, endpoint: env.SSM_ENDPOINT }), env.GOVERNANCE_SSM_PARAMETER);
    return readAheadOnce(source, readAhead.get(env.GOVERNANCE_SSM_PARAMETER));
  }
  if (!env.GOVERNANCE_FILE) throw new ConfigError('Invalid configuration: GOVERNANCE_FILE is required when GOVERNANCE_SOURCE=file', ['GOVERNANCE_FILE']);
  return filePolicySource(env.GOVERNANCE_FILE);
}

/** On Lambda, the call policies the bundle was built with, validated then (used only if the source holds the same text). */
function validatedAtBuild(env: ServiceEnv): { validated?: ValidatedCallPolicies } {
  const validated = env.LAMBDA_TASK_ROOT ? readValidatedCallPolicies(join(env.LAMBDA_TASK_ROOT, VALIDATED_CALL_POLICIES_FILE)) : undefined;
  return validated ? { validated } : {};
}

function callPolicySource(env: ServiceEnv, readAhead: ReadonlyMap<string, string>): CallPolicySource | undefined {
  if (env.GOVERNANCE_SOURCE === 'ssm') {
    if (!env.CALL_POLICIES_SSM_PARAMETER) return undefined;
    const source = ssmCallPolicySource(createSsmClient({ region: env.AWS_REGION, endpoint: env.SSM_ENDPOINT }), env.CALL_POLICIES_SSM_PARAMETER);
    return readAheadOnce(source, readAhead.get(env.CALL_POLICIES_SSM_PARAMETER));
  }
  const file = env.CALL_POLICIES_FILE ?? (env.GOVERNANCE_FILE && callPoliciesFileBeside(env.GOVERNANCE_FILE));
  return file ? fileCallPolicySource(file) : undefined;
}

/** The medium-risk confirmation's settings: with the approval key, which also signs its state. */
function confirmationSettings(env: ServiceEnv): ConfirmationSettings | undefined {
  if (!env.APPROVAL_HMAC_KEY) return undefined;
  const whenUnsupported = env.MEDIUM_RISK_UNCONFIRMED ?? (env.APPROVAL_CONSOLE_URL && env.APPROVER_CLIENT_IDS?.length ? 'link' : 'refuse');
  if (whenUnsupported === 'link' && (!env.APPROVAL_CONSOLE_URL || !env.APPROVER_CLIENT_IDS?.length)) {
    throw new ConfigError(
      'Invalid configuration: MEDIUM_RISK_UNCONFIRMED=link needs APPROVAL_CONSOLE_URL (where the caller confirms) and APPROVER_CLIENT_IDS (so that the assistant that asked, holding the same user\'s token, cannot confirm)',
      ['MEDIUM_RISK_UNCONFIRMED', 'APPROVAL_CONSOLE_URL', 'APPROVER_CLIENT_IDS'],
    );
  }
  return {
    secret: Buffer.from(env.APPROVAL_HMAC_KEY, 'base64'),
    ttlSeconds: env.CONFIRMATION_TTL_SECONDS,
    whenUnsupported,
    ...(env.APPROVAL_CONSOLE_URL ? { consoleUrl: env.APPROVAL_CONSOLE_URL } : {}),
  };
}
