import type { ServerName } from './servers';
import type { StageConfig } from './stage-config';

/** A Lambda function of a service: its MCP entry, a task of the approval state machine, or the scheduled backlog report. */
export type FunctionKind = 'api' | 'approval-notifier' | 'approval-executor' | 'approval-backlog';

/**
 * Every physical name of a stage, fixed here so that IAM policies can name resources
 * before they exist and the same name is used by the component that creates them.
 */
export function resourceNames(config: Pick<StageConfig, 'stage' | 'account'>) {
  const prefix = `gmcp-${config.stage}`;
  const parameter = (path: string) => `/gmcp/${config.stage}/${path}`;
  return {
    prefix,
    auditTable: `${prefix}-audit`,
    approvalsTable: `${prefix}-approvals`,
    rateLimitTable: `${prefix}-rate-limits`,
    /** Bucket names are global: the account id keeps them unique. */
    policyBucket: `${prefix}-policies-${config.account}`,
    policyPrefix: 'policies/',
    cluster: `${prefix}-ops`,
    database: 'ops',
    databaseSecret: (service: ServerName) => `${prefix}/${service}/database`,
    /** Database logins, one per server (never shared): see packages/ops-data logins. */
    databaseLogin: (service: ServerName) => `gmcp_${service.replace(/-/g, '_')}_login`,
    governanceParameter: (service: ServerName) => parameter(`${service}/governance`),
    /** Its call policies (Cedar text), beside the allowlist; absent when the server has none. */
    callPoliciesParameter: (service: ServerName) => parameter(`${service}/call-policies`),
    /** Each server signs its audit records with a key of its own: one server cannot sign as another. */
    auditKeyParameter: (service: ServerName) => parameter(`${service}/audit/hmac-key`),
    approvalKeyParameter: parameter('approvals/hmac-key'),
    edgeSecretParameter: parameter('edge/origin-secret'),
    stateMachine: `${prefix}-approvals`,
    approverTopic: `${prefix}-approvers`,
    alarmTopic: `${prefix}-alarms`,
    api: (service: ServerName) => `${prefix}-${service}`,
    function: (service: ServerName, kind: FunctionKind) => `${prefix}-${service}-${kind}`,
    migrationFunction: `${prefix}-ops-migrate`,
    /** The audit digests, apart from the records (bucket names are global: the account id keeps them unique). */
    digestBucket: `${prefix}-audit-digests-${config.account}`,
    digestFunction: `${prefix}-audit-digest`,
    digestKeyAlias: `alias/${prefix}-audit-digests`,
    stateMachineRole: `${prefix}-approvals-sfn`,
    logGroup: (functionName: string) => `/aws/lambda/${functionName}`,
    /** The approvals console: its API, function, sessions table and client secret. */
    consoleApi: `${prefix}-console`,
    consoleFunction: `${prefix}-console`,
    consoleSessionTable: `${prefix}-console-sessions`,
    consoleClientSecretParameter: parameter('console/client-secret'),
  };
}
export type ResourceNames = ReturnType<typeof resourceNames>;

/** ARNs of named resources in the stage's account and region. */
export function arns(config: Pick<StageConfig, 'stage' | 'account' | 'region'>) {
  const { account, region } = config;
  const names = resourceNames(config);
  const table = (name: string) => `arn:aws:dynamodb:${region}:${account}:table/${name}`;
  return {
    table,
    tableIndexes: (name: string) => `${table(name)}/index/*`,
    tableIndex: (name: string, index: string) => `${table(name)}/index/${index}`,
    // A parameter name starting with "/" joins "parameter" without a second slash.
    parameter: (name: string) => `arn:aws:ssm:${region}:${account}:parameter${name}`,
    /** Secrets Manager appends six random characters to a secret's name. */
    secret: (name: string) => `arn:aws:secretsmanager:${region}:${account}:secret:${name}-??????`,
    cluster: `arn:aws:rds:${region}:${account}:cluster:${names.cluster}`,
    stateMachine: `arn:aws:states:${region}:${account}:stateMachine:${names.stateMachine}`,
    executions: `arn:aws:states:${region}:${account}:execution:${names.stateMachine}:*`,
    topic: (name: string) => `arn:aws:sns:${region}:${account}:${name}`,
    function: (name: string) => `arn:aws:lambda:${region}:${account}:function:${name}`,
    logStreams: (functionName: string) => `arn:aws:logs:${region}:${account}:log-group:${names.logGroup(functionName)}:*`,
    bucket: `arn:aws:s3:::${names.policyBucket}`,
    bucketObjects: `arn:aws:s3:::${names.policyBucket}/${names.policyPrefix}*`,
    digestBucket: `arn:aws:s3:::${names.digestBucket}`,
    digestObjects: (key: string) => `arn:aws:s3:::${names.digestBucket}/${key}`,
  };
}
export type Arns = ReturnType<typeof arns>;
