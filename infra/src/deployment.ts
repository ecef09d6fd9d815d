import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { edgeSecretValues, parseGovernancePolicy } from '@gmcp/mcp-kit/platform';
import { MIGRATIONS, migrationChecksum } from '@gmcp/ops-data';
import { createHash } from 'node:crypto';
import { auditDigestAlarm, gatewayThrottleFilter, serviceAlarms } from './alarms';
import { CLOUDFRONT_POLICIES, webAclRules } from './edge';
import { auditDigestPolicy, functionPolicy, migrationPolicy, stateMachinePolicy, type LateBound } from './iam';
import { arns, resourceNames, type FunctionKind } from './names';
import { assertResourceNames } from './name-limits';
import { approvalAudiences, BACKLOG_SCHEDULE, functionEnvironment, functionSizing, functionsOf, routesOf, type LateEnvironment } from './services';
import { approvalServer, databaseServers, SERVER_NAMES, serverUses, serversUsing, type ServerName } from './servers';
import { loadStageConfig, type StageConfig } from './stage-config';
import { approvalStateMachine } from './state-machine';
import { tableSpecs } from './tables';
import { CONSOLE_COMPONENTS, consolePlan } from './console';

/** The repository root; sst.config.ts passes its own (SST evaluates a bundled copy elsewhere). */
const REPO_ROOT = resolve(__dirname, '..', '..');

/** SST's names for the retention periods the stage config allows. */
const RETENTION = { 30: '1 month', 60: '2 months', 90: '3 months' } as const;

/** A Lambda bundle: one per server, the approvals console, the database migration step and the audit digest. */
export type BundleName = ServerName | 'console' | 'ops-migrate' | 'audit-digest';
export const BUNDLE_NAMES: readonly BundleName[] = [...SERVER_NAMES, 'console', 'ops-migrate', 'audit-digest'];

/** Where `npm run build:lambda` leaves each bundle, relative to the repository root (SST's `bundle`). */
export const BUNDLE_PATHS = Object.fromEntries(BUNDLE_NAMES.map((name) => [name, `dist/lambda/${name}`])) as Record<BundleName, string>;

/**
 * Everything `sst.config.ts` deploys for a stage, decided here in plain tested TypeScript:
 * sst.config.ts only turns each entry into its SST or Pulumi component. Values that exist
 * only once deployed (the API URL, a secret's ARN) are passed in through functions.
 */
export function deploymentPlan(stage: string, root: string = REPO_ROOT, config: StageConfig = loadStageConfig(stage, resolve(root, 'infra', 'stages'))) {
  assertResourceNames(config);
  const names = resourceNames(config);
  const arn = arns(config);
  const retained = config.retain;
  return {
    config,
    names,
    retained,
    logRetention: RETENTION[config.logRetentionDays],
    tables: tableSpecs(config, retained),
    services: SERVER_NAMES.map((service) => servicePlan(config, service, root)),
    stateMachine: {
      ...approvalStateMachine(config),
      roleName: names.stateMachineRole,
      policy: stateMachinePolicy(config),
      arn: arn.stateMachine,
      components: APPROVAL_COMPONENTS,
      backlogFunction: names.function(approvalServer(), 'approval-backlog'),
    },
    backlogSchedule: BACKLOG_SCHEDULE,
    firstRunEvent: FIRST_RUN_EVENT,
    console: { ...consolePlan(config), bundle: BUNDLE_PATHS.console },
    migration: {
      components: MIGRATION_COMPONENTS,
      name: names.migrationFunction,
      bundle: BUNDLE_PATHS['ops-migrate'],
      handler: 'index.handler',
      /** A new checksum (a new or changed migration) runs the step again on deploy. */
      checksum: createHash('sha256').update(MIGRATIONS.map(migrationChecksum).join(',')).digest('hex'),
      policy: (late: LateBound) => migrationPolicy(config, late),
      /** The logins whose passwords it sets, one per access mode (config/servers.json: the servers using "ops-database"). */
      logins: migrationLogins(),
      environment: (late: { adminSecretArn: string; readerSecretArn: string; writerSecretArn: string }) => ({
        NODE_ENV: 'production',
        DATA_API_RESOURCE_ARN: arn.cluster,
        DATA_API_DATABASE: names.database,
        ADMIN_SECRET_ARN: late.adminSecretArn,
        READER_SECRET_ARN: late.readerSecretArn,
        WRITER_SECRET_ARN: late.writerSecretArn,
      }),
    },
    auditDigests: {
      components: AUDIT_DIGEST_COMPONENTS,
      bucket: names.digestBucket,
      name: names.digestFunction,
      keyAlias: names.digestKeyAlias,
      /** KMS asymmetric key for RSASSA-PKCS1-v1_5 SHA-256 signatures (the kit's KMS digest signer). */
      keySpec: 'RSA_3072',
      /** Object Lock default retention on every digest (the bucket is versioned; a lock needs that), or null. */
      objectLock: config.auditDigests.objectLock ? { mode: config.auditDigests.objectLock.mode, days: config.auditDigests.objectLock.retentionDays } : null,
      bundle: BUNDLE_PATHS['audit-digest'],
      handler: 'index.handler',
      schedule: `rate(${config.auditDigests.scheduleMinutes} minutes)`,
      policy: (late: { digestKeyArn: string }) => auditDigestPolicy(config, late),
      environment: (late: { digestKeyArn: string }) => ({
        NODE_ENV: 'production',
        LOG_LEVEL: 'INFO',
        AUDIT_TABLE: names.auditTable,
        AUDIT_DIGEST_BUCKET: names.digestBucket,
        AUDIT_DIGEST_KEY_ID: late.digestKeyArn,
        AUDIT_DIGEST_SETTLE_SECONDS: '60',
        AUDIT_DIGEST_FIRST_START: config.auditDigests.chainStart,
      }),
      /** What `npm run audit -- verify` needs to hold the chain to its schedule (AUDIT_MODE=aws). */
      verifierEnvironment: {
        AUDIT_DIGEST_BUCKET: names.digestBucket,
        AUDIT_DIGEST_KEY_ID: names.digestKeyAlias,
        AUDIT_DIGEST_CHAIN_START: config.auditDigests.chainStart,
        // Two missed runs are allowed for; a longer range or an older newest digest is reported.
        AUDIT_DIGEST_MAX_RANGE_MINUTES: String(3 * config.auditDigests.scheduleMinutes),
      },
      alarm: auditDigestAlarm(config),
    },
    /** The Aurora PostgreSQL version a new stage's cluster is created with (see AURORA_ENGINE). */
    databaseEngine: AURORA_ENGINE,
    databaseLogins: serversUsing('ops-database').map((service) => ({
      service,
      component: `${pascal(service)}Login`,
      secretName: names.databaseSecret(service),
      username: names.databaseLogin(service),
    })),
    edge: config.edge.waf
      ? {
          rules: webAclRules(config),
          secretParameter: names.edgeSecretParameter,
          /** What CloudFront sends, from the parameter's value (the kit accepts any of its values). */
          sentSecret: (parameterValue: string) => edgeSecretValues(parameterValue)[0]!,
          cloudfront: CLOUDFRONT_POLICIES,
        }
      : undefined,
    /** SecureString parameters an operator creates before the first deploy (only the edge secret's current value enters IaC state: CloudFront sends it). */
    operatorSecrets: [...SERVER_NAMES.map(names.auditKeyParameter), names.approvalKeyParameter, names.consoleClientSecretParameter, ...(config.edge.waf ? [names.edgeSecretParameter] : [])],
  };
}
export type DeploymentPlan = ReturnType<typeof deploymentPlan>;

const pascal = (text: string) => text.replace(/(^|-)([a-z0-9])/g, (_all, _dash: string, letter: string) => letter.toUpperCase());

/**
 * The logical names of a service's components in sst.config.ts. `sst deploy --target`
 * takes these, so deploying one service alone names exactly its own components.
 */
export function componentNames(service: ServerName) {
  const base = pascal(service);
  return {
    api: `${base}Http`,
    throttleFilter: `${base}ThrottleFilter`,
    governance: `${base}Governance`,
    callPolicies: `${base}CallPolicies`,
    edge: `${base}Edge`,
    function: (kind: FunctionKind) => `${base}${pascal(kind)}Fn`,
    role: (kind: FunctionKind) => `${base}${pascal(kind)}Role`,
    rolePolicy: (kind: FunctionKind) => `${base}${pascal(kind)}Policy`,
    alarm: (key: string) => `${base}Alarm${pascal(key)}`,
  };
}

/** The writer's approval workflow components (the state machine and the backlog schedule). */
export const APPROVAL_COMPONENTS = {
  workflow: 'ApprovalWorkflow',
  workflowRole: 'ApprovalWorkflowRole',
  workflowPolicy: 'ApprovalWorkflowPolicy',
  backlogSchedule: 'ApprovalBacklogSchedule',
  backlogTarget: 'ApprovalBacklogTarget',
  backlogInvoke: 'ApprovalBacklogInvoke',
  /** Run once at the first deploy, so that the silent-backlog alarm does not page a fresh stage. */
  backlogFirstRun: 'ApprovalBacklogFirstRun',
} as const;

/** A service a release engineer deploys on its own: an MCP server, or the approvals console. */
export type DeployableService = ServerName | 'console';

/** The components `npm run deploy -- --service <name>` passes to `sst deploy --target` (their dependents follow). */
export function serviceTargets(service: DeployableService, config: StageConfig): string[] {
  // The console's API, function, role and sessions table (the writer links to its URL, which does not change).
  if (service === 'console') return [...Object.values(CONSOLE_COMPONENTS), CONSOLE_SESSIONS_TABLE_COMPONENT];
  const names = componentNames(service);
  const kinds = functionsOf(service).map((fn) => fn.kind);
  return [
    names.api,
    names.throttleFilter,
    ...serviceAlarms(config, service, '').map((alarm) => names.alarm(alarm.key)),
    names.governance,
    // Created only for a service with call policies (`--target` refuses a name the program does not create).
    ...(existsSync(resolve(REPO_ROOT, config.governanceDir, `${service}.cedar`)) ? [names.callPolicies] : []),
    ...(config.edge.waf ? [names.edge] : []),
    ...kinds.flatMap((kind) => [names.function(kind), names.role(kind), names.rolePolicy(kind)]),
    ...(serverUses(service, 'approvals') ? Object.values(APPROVAL_COMPONENTS) : []),
    // A database server deployed alone still brings the schema up to date first.
    ...(serverUses(service, 'ops-database') ? Object.values(MIGRATION_COMPONENTS) : []),
  ];
}

/** The migration step sets the password of one read and one write login. */
function migrationLogins(): { reader: ServerName; writer: ServerName } {
  const { reader, writer } = databaseServers();
  if (!reader || !writer) throw new Error('config/servers.json: the ops database needs one read and one write server using "ops-database"');
  return { reader, writer };
}

/** The event a scheduled function gets at its first run, when the stage is first deployed (an `aws.lambda.Invocation`). */
export const FIRST_RUN_EVENT = { source: 'gmcp.deploy', 'detail-type': 'First run at deploy', detail: {} } as const;

/** The scheduled audit digest's components. */
export const AUDIT_DIGEST_COMPONENTS = {
  bucket: 'AuditDigestBucket',
  objectLock: 'AuditDigestBucketObjectLock',
  key: 'AuditDigestKey',
  keyAlias: 'AuditDigestKeyAlias',
  function: 'AuditDigestFn',
  role: 'AuditDigestRole',
  rolePolicy: 'AuditDigestRolePolicy',
  schedule: 'AuditDigestSchedule',
  target: 'AuditDigestTarget',
  invoke: 'AuditDigestInvoke',
  /** Run once at the first deploy, so that the missed-run alarm does not page a fresh stage. */
  firstRun: 'AuditDigestFirstRun',
  alarm: 'AuditDigestAlarmErrors',
} as const;

/** The console's sessions table component (infra/sst/storage.ts names tables `<Key>Table`). */
const CONSOLE_SESSIONS_TABLE_COMPONENT = 'ConsoleSessionsTable';

/** The migration step's components. */
export const MIGRATION_COMPONENTS = { function: 'OpsMigrateFn', role: 'OpsMigrateRole', rolePolicy: 'OpsMigrateRolePolicy', run: 'OpsMigrateRun' } as const;

function servicePlan(config: StageConfig, service: ServerName, root: string) {
  const names = resourceNames(config);
  const settings = config.services[service];
  return {
    service,
    components: componentNames(service),
    apiName: names.api(service),
    /** What the approval API's JWT authorizer accepts (the MCP endpoint has none: see routesOf). */
    authorizerAudiences: approvalAudiences(config, service),
    routes: routesOf(config, service),
    throttle: settings.throttle,
    governance: { parameter: names.governanceParameter(service), value: governanceText(config, service, root) },
    callPolicies: callPoliciesParameter(config, service, root),
    functions: functionsOf(service).map((spec) => ({
      ...spec,
      name: names.function(service, spec.kind),
      bundle: BUNDLE_PATHS[service],
      handler: `index.${spec.handlerExport}`,
      ...functionSizing(config, spec),
      policy: functionPolicy(config, service, spec.kind),
      environment: (late: LateEnvironment) => functionEnvironment(config, spec, late),
    })),
    alarms: <Id>(apiId: Id) => serviceAlarms(config, service, apiId),
    throttleFilter: gatewayThrottleFilter(service),
  };
}

/** The reviewed allowlist file of a service, checked as the kit will read it (a broken file stops the deploy, not the service). */
function governanceText(config: StageConfig, service: ServerName, root: string): string {
  const path = resolve(root, config.governanceDir, `${service}.json`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`${config.governanceDir}/${service}.json: no allowlist file for ${service} (the stage's governanceDir)`);
  }
  try {
    parseGovernancePolicy(text);
  } catch (error) {
    throw new Error(`${config.governanceDir}/${service}.json: ${(error as Error).message}`);
  }
  const compact = JSON.stringify(JSON.parse(text));
  if (Buffer.byteLength(compact) > SSM_STANDARD_LIMIT) {
    throw new Error(`${config.governanceDir}/${service}.json: ${Buffer.byteLength(compact)} bytes once compacted, over the SSM Standard tier limit (4 KB)`);
  }
  return compact;
}

/**
 * The service's call policies (`<governanceDir>/<service>.cedar`), when it has any: their text
 * as an SSM parameter, Advanced tier past 4 KB. Validated against the tools by `npm test`
 * (npm run policy -- validate) and, fail closed, by the server at each read.
 */
function callPoliciesParameter(config: StageConfig, service: ServerName, root: string): { parameter: string; value: string; tier: 'Standard' | 'Advanced' } | undefined {
  const path = resolve(root, config.governanceDir, `${service}.cedar`);
  if (!existsSync(path)) return undefined;
  const value = readFileSync(path, 'utf8');
  const bytes = Buffer.byteLength(value);
  if (bytes > SSM_ADVANCED_LIMIT) throw new Error(`${config.governanceDir}/${service}.cedar: ${bytes} bytes, over the SSM Advanced tier limit (8 KB)`);
  return { parameter: resourceNames(config).callPoliciesParameter(service), value, tier: bytes > SSM_STANDARD_LIMIT ? 'Advanced' : 'Standard' };
}

const SSM_ADVANCED_LIMIT = 8192;

/**
 * The engine a new stage's cluster is created with. Only creation uses the version: AWS applies
 * minor upgrades to running clusters (16.4 → 16.6) in their maintenance window, and a later
 * deploy leaves that upgrade in place rather than ask for a downgrade it cannot make
 * (`ignoreChanges` on the cluster's engine version, infra/sst/database.ts). A major upgrade is a
 * deliberate migration (docs/deploy.md). The preflight checks that the region offers it.
 */
export const AURORA_ENGINE = { engine: 'aurora-postgresql', version: '16.4' } as const;

/** SSM Standard tier parameters hold up to 4 KB: about 30 pinned tools per server. */
const SSM_STANDARD_LIMIT = 4096;
