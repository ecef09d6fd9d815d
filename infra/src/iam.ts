import { AUDIT_INDEXES } from '@gmcp/mcp-kit/platform';
import { arns, resourceNames, type FunctionKind } from './names';
import { allow, deny, document as policyDocument, type PolicyDocument, type PolicyStatement } from './policy-document';
import { approvalServer, SERVERS, serverUses, serversUsing, type ServerName, type ServerResource } from './servers';
import type { StageConfig } from './stage-config';

/** Values AWS assigns at creation, known to a policy only once the resource exists. */
export interface LateBound {
  /** The Aurora admin (master) secret SST's Aurora component creates, used only by the migration step. */
  adminSecretArn: string;
}

/**
 * Actions that AWS does not scope to a resource: the Service Authorization Reference lists
 * no resource type for them, so `"Resource": "*"` is the only form. Holding a task token
 * is what lets a caller use them; only the writer's functions have them.
 */
export const UNSCOPABLE_ACTIONS = ['states:SendTaskSuccess', 'states:SendTaskFailure'] as const;

/** Everything that could alter or remove an audit record or its table. */
export const AUDIT_MUTATIONS = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:DeleteTable',
  'dynamodb:UpdateTable',
  'dynamodb:UpdateTimeToLive',
  'dynamodb:RestoreTableFromBackup',
] as const;

type Config = Pick<StageConfig, 'stage' | 'account' | 'region' | 'edge'>;

/** Every role of the stage carries the explicit Deny on audit mutations, whatever it allows. */
function roleDocument(config: Config) {
  const names = resourceNames(config);
  const arn = arns(config);
  const immutable = deny('AuditIsImmutable', [...AUDIT_MUTATIONS], [arn.table(names.auditTable), arn.tableIndexes(names.auditTable)]);
  return (statements: PolicyStatement[]) => policyDocument([...statements, immutable]);
}

/** The policy of one function's own role. */
export function functionPolicy(config: Config, service: ServerName, kind: FunctionKind): PolicyDocument {
  const grants = grantsFor(config);
  const document = roleDocument(config);
  const functionName = resourceNames(config).function(service, kind);
  const uses = (resource: ServerResource) => serverUses(service, resource);
  if (kind !== 'api' && !uses('approvals')) throw new Error(`No function ${kind} in service ${service}`);
  // Every function that builds the server reads its policy and keys, and may write audit records.
  const common = [grants.logs(functionName), grants.audit(service), grants.governance(service), grants.keys(service, { approvals: uses('approvals') })];
  const database = uses('ops-database') ? grants.database(service) : [];
  switch (kind) {
    case 'api':
      return document([
        ...common,
        grants.rateLimits(service),
        ...(uses('policy-bucket') ? grants.policyObjects : []),
        ...database,
        ...(uses('approvals')
          ? [grants.approvalRecords(['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem']), grants.approvalQueries, grants.approvalAuditRecords, grants.startApprovals, grants.deliverDecisions]
          : []),
      ]);
    case 'approval-notifier':
      return document([...common, grants.approvalRecords(['dynamodb:GetItem', 'dynamodb:UpdateItem']), grants.deliverDecisions, grants.notifyApprovers]);
    case 'approval-executor':
      return document([...common, grants.approvalRecords(['dynamodb:GetItem', 'dynamodb:UpdateItem']), grants.approvalAuditRecords, ...database]);
    case 'approval-backlog':
      return document([grants.logs(functionName), grants.approvalQueries]);
  }
}

/** The approval state machine's role: invoke its two tasks, and mark an expired request. */
export function stateMachinePolicy(config: Config): PolicyDocument {
  const names = resourceNames(config);
  const arn = arns(config);
  const tasks = (['approval-notifier', 'approval-executor'] as const).map((kind) => arn.function(names.function(approvalServer(), kind)));
  return roleDocument(config)([
    allow('InvokeApprovalTasks', ['lambda:InvokeFunction'], [...tasks, ...tasks.map((task) => `${task}:*`)]),
    allow('MarkExpired', ['dynamodb:UpdateItem'], [arn.table(names.approvalsTable)]),
  ]);
}

/** The migration step: the schema owner's secret, and the two login secrets whose passwords it sets. */
export function migrationPolicy(config: Config, late: LateBound): PolicyDocument {
  const names = resourceNames(config);
  const arn = arns(config);
  return roleDocument(config)([
    grantsFor(config).logs(names.migrationFunction),
    allow('RunAsSchemaOwner', DATA_API_ACTIONS, [arn.cluster]),
    allow('ReadOwnerAndLoginSecrets', ['secretsmanager:GetSecretValue'], [late.adminSecretArn, ...serversUsing('ops-database').map((service) => arn.secret(names.databaseSecret(service)))]),
  ]);
}

/**
 * The scheduled audit digest: read the audit table (queries of the base table), read and add
 * digests, publish the public key, and sign with its KMS key. It cannot change a record.
 */
export function auditDigestPolicy(config: Config, late: { digestKeyArn: string }): PolicyDocument {
  const names = resourceNames(config);
  const arn = arns(config);
  return roleDocument(config)([
    grantsFor(config).logs(names.digestFunction),
    allow('ReadAuditRecords', ['dynamodb:Query'], [arn.tableIndexes(names.auditTable)]),
    allow('ListDigests', ['s3:ListBucket'], [arn.digestBucket], { StringLike: { 's3:prefix': ['digests/*'] } }),
    allow('ReadDigests', ['s3:GetObject'], [arn.digestObjects('digests/*')]),
    allow('WriteDigestsAndPublicKey', ['s3:PutObject'], [arn.digestObjects('digests/*'), arn.digestObjects('public-key.pem')]),
    allow('SignDigests', ['kms:Sign', 'kms:GetPublicKey'], [late.digestKeyArn]),
  ]);
}

const DATA_API_ACTIONS = ['rds-data:ExecuteStatement', 'rds-data:BeginTransaction', 'rds-data:CommitTransaction', 'rds-data:RollbackTransaction'];

/**
 * Items whose partition key starts with the server's name. `ForAllValues` holds vacuously when a
 * request names no key at all, so the `Null` test requires one (IAM's guidance for LeadingKeys).
 */
function ownPartitions(service: ServerName): PolicyStatement['Condition'] {
  return { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${service}#*`] }, Null: { 'dynamodb:LeadingKeys': 'false' } };
}

function grantsFor(config: Config) {
  const names = resourceNames(config);
  const arn = arns(config);
  return {
    /** Its own log group only; the group is created (with retention) by the deployment, not by the function. */
    logs: (functionName: string): PolicyStatement => allow('OwnLogs', ['logs:CreateLogStream', 'logs:PutLogEvents'], [arn.logStreams(functionName)]),
    /**
     * Append (conditional put, and the read-back after a lost acknowledgement) to its own
     * partitions only (keys start with its name), so that it cannot overwrite another server's
     * records; changes are denied to every role.
     */
    audit: (service: ServerName) =>
      allow('AppendOwnAudit', ['dynamodb:PutItem', 'dynamodb:GetItem'], [arn.table(names.auditTable)], ownPartitions(service)),
    governance: (service: ServerName) =>
      // GetParameters: a cold start reads them in one call with its signing keys; GetParameter: each refresh.
      allow('ReadOwnGovernance', ['ssm:GetParameter', 'ssm:GetParameters'], [arn.parameter(names.governanceParameter(service)), arn.parameter(names.callPoliciesParameter(service))]),
    keys: (service: ServerName, { approvals }: { approvals: boolean }) =>
      allow(
        'ReadSigningKeys',
        ['ssm:GetParameters'],
        [names.auditKeyParameter(service), ...(approvals ? [names.approvalKeyParameter] : []), ...(config.edge.waf ? [names.edgeSecretParameter] : [])].map(arn.parameter),
      ),
    /** Its own counters only: every key it counts under starts with its name (see rate-limits.ts). */
    rateLimits: (service: ServerName) =>
      allow('CountOwnRequests', ['dynamodb:UpdateItem'], [arn.table(names.rateLimitTable)], ownPartitions(service)),
    policyObjects: [
      allow('ReadPolicies', ['s3:GetObject'], [arn.bucketObjects]),
      // Not held to the policies' prefix: S3 answers a read of a missing object (the prebuilt index
      // before its first build) with 404 only to a caller that may list the bucket for that request,
      // which carries no prefix, and with 403 otherwise. The bucket holds nothing but the policies.
      allow('ListPolicies', ['s3:ListBucket'], [arn.bucket]),
    ],
    /** The Data API runs as the login in the service's own secret: the secret decides what SQL may do. */
    database: (service: ServerName) => [
      allow('QueryThroughDataApi', SERVERS[service].access === 'read' ? ['rds-data:ExecuteStatement'] : DATA_API_ACTIONS, [arn.cluster]),
      allow('UseOwnDatabaseLogin', ['secretsmanager:GetSecretValue'], [arn.secret(names.databaseSecret(service))]),
    ],
    approvalRecords: (actions: string[]) => allow('ApprovalRecords', actions, [arn.table(names.approvalsTable)]),
    approvalQueries: allow('ListApprovals', ['dynamodb:Query'], [arn.tableIndexes(names.approvalsTable)]),
    /** A rejection or execution in the audit trail is final: deciding and executing read a request's records (by tool, filtered by approval id). */
    approvalAuditRecords: allow('ReadApprovalAuditRecords', ['dynamodb:Query'], [arn.tableIndex(names.auditTable, AUDIT_INDEXES.byTool)]),
    startApprovals: allow('StartApprovals', ['states:StartExecution', 'states:DescribeExecution'], [arn.stateMachine, arn.executions]),
    deliverDecisions: allow('DeliverDecisions', [...UNSCOPABLE_ACTIONS], ['*']),
    notifyApprovers: allow('NotifyApprovers', ['sns:Publish'], [arn.topic(names.approverTopic)]),
  };
}
