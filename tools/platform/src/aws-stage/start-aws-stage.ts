import { join } from 'node:path';
import type { LimitedIdentityProvider } from '@gmcp/dev-issuer/testing';
import { bundleDir, deploymentPlan, resourceNames, type ServerName, type StageConfig } from '@gmcp/infra';
import type { AlarmEvaluation, AwsCall, MetricStore, SnsTestEndpoint } from '@gmcp/local-aws';
import { startApprovalPeers } from './approval-peers';
import { startDatabasePeers } from './database-peers';
import { deployService, type DeployedService } from './deploy-service';
import { startConsoleApi, type DeployedConsole } from './deploy-console';
import { invokeBundleOnce, type Peers } from './recorders';
import { testStageConfig } from './stage-config';
import { startStageIdentity, type StageIdentityStyle } from './stage-identity';
import { createStageMetrics } from './stage-metrics';
import { startStoragePeers } from './storage-peers';

export type { DeployedService } from './deploy-service';
export type { DeployedConsole } from './deploy-console';

/**
 * One stage of the platform on loopback, shaped as `sst.config.ts` deploys it: the names,
 * routes and environment come from @gmcp/infra, each function is its bundle in a fresh
 * Node process behind an HTTP API with a JWT authorizer, and every AWS service is a local
 * peer the real SDK clients talk to (dynalite, SSM, S3, the Data API over PGlite, Secrets
 * Manager, Step Functions, SNS) through a recorder per function that writes down each call
 * as IAM would authorize it. The database is set up by the bundled migration step, and the
 * scheduled functions run once as at a first deploy (the digest at the start, the backlog report
 * when its server is deployed). The stage's metrics, from EMF log lines and what Lambda and API
 * Gateway report, answer its alarms (`alarms()`). Build the bundles first (`npm run build:lambda`,
 * or `bundleLambda`).
 */
export interface AwsStage {
  readonly config: StageConfig;
  /** The identity provider lacking what MCP clients need, when the stage was started with one. */
  readonly limitedIdentityProvider?: LimitedIdentityProvider;
  readonly names: ReturnType<typeof resourceNames>;
  readonly sns: SnsTestEndpoint;
  readonly dynamoDbEndpoint: string;
  readonly s3Endpoint: string;
  readonly kmsEndpoint: string;
  /** What the migration step returned, and the AWS calls it made. */
  readonly migration: { readonly result: unknown; readonly calls: readonly AwsCall[]; readonly adminSecretArn: string };
  /** Sets an SSM parameter, as `aws ssm put-parameter --overwrite` would. */
  putParameter(name: string, value: string, type?: 'String' | 'SecureString'): void;
  /** The database as its owner (checks that nothing else changed). */
  ownerQuery(sql: string): Promise<readonly Record<string, unknown>[]>;
  token(service: ServerName, sub: string, scopes: string[], clientId?: string): Promise<string>;
  deploy(service: ServerName, overrides?: Record<string, string>): Promise<DeployedService>;
  /** The approvals console's URL: its API listens from the start, so the writer's links name it. */
  readonly consoleUrl: string;
  /** Deploys the console's function, calling the approval server deployed as `writer`. */
  deployConsole(writer: DeployedService): Promise<DeployedConsole>;
  /** Runs the bundled scheduled audit digest once, as EventBridge would, with the plan's environment. */
  runAuditDigest(): Promise<{ result: unknown; calls: readonly AwsCall[]; keyArn: string; logs: readonly string[] }>;
  /** What the audit digest's first run (at the stage's start, as `AuditDigestFirstRun` on the first deploy) returned. */
  readonly firstDigest: unknown;
  /** The stage's metrics: its functions' EMF lines, and what Lambda and API Gateway report for them. */
  readonly metrics: MetricStore;
  /** Every alarm `sst.config.ts` creates for the stage, evaluated as CloudWatch would at `at` (default now). */
  alarms(at?: number): AlarmEvaluation[];
  stop(): Promise<void>;
}

export interface AwsStageOptions {
  /**
   * The stage's identity provider: the development issuer itself (default), or one that lacks
   * what MCP clients need the way Entra ID or Cognito does, which the stage then fronts with
   * the authorization façade.
   */
  identityProvider?: StageIdentityStyle;
}

export async function startAwsStage(options: AwsStageOptions = {}): Promise<AwsStage> {
  const identity = await startStageIdentity(options.identityProvider ?? 'direct');
  const config = testStageConfig(identity);
  const plan = deploymentPlan(config.stage, undefined, config);
  const storage = await startStoragePeers(config);
  const database = await startDatabasePeers(config);
  const peers: Peers = { dynamodb: storage.dynamodb.endpoint, ssm: storage.ssm.endpoint, s3: storage.s3.endpoint, kms: storage.kms.endpoint, ...database.peers };
  const migration = await database.migrateAndSeed(plan, peers);
  const approvals = await startApprovalPeers(config, storage.dynamo);
  Object.assign(peers, approvals.peers);
  const consoleApi = await startConsoleApi(plan, config.auth.issuer);
  const metrics = createStageMetrics(config);
  const target = { config, identity, peers, databaseSecretArn: database.secretArn, registerApprovalTask: approvals.register, consoleUrl: consoleApi.url, metrics };
  const deployed: DeployedService[] = [];
  const runAuditDigest = async (event: unknown) => {
    const environment = { ...plan.auditDigests.environment({ digestKeyArn: storage.kms.keyArn }), AUDIT_DIGEST_SETTLE_SECONDS: '0' };
    const run = await invokeBundleOnce(join(bundleDir('audit-digest'), 'index.mjs'), environment, peers, 'The audit digest', { metrics, functionName: plan.auditDigests.name, event });
    return { ...run, keyArn: storage.kms.keyArn };
  };
  const firstDigest = await runAuditDigest(plan.firstRunEvent);

  return {
    config,
    ...(identity.provider ? { limitedIdentityProvider: identity.provider } : {}),
    names: resourceNames(config),
    sns: approvals.sns,
    dynamoDbEndpoint: storage.dynamodb.endpoint,
    s3Endpoint: storage.s3.endpoint,
    kmsEndpoint: storage.kms.endpoint,
    migration: { ...migration, adminSecretArn: database.adminSecretArn },
    putParameter: (name, value, type) => storage.ssm.put(name, value, type),
    ownerQuery: async (sql) => (await database.owner.query({ sql })).rows,
    token: (service, sub, scopes, clientId) => identity.token(service, sub, scopes, clientId),
    async deploy(service, overrides) {
      const result = await deployService(target, service, overrides);
      deployed.push(result);
      return result;
    },
    consoleUrl: consoleApi.url,
    deployConsole: async (writer) =>
      consoleApi.deploy({ identity, peers, writerUrl: writer.url, digestKeyArn: storage.kms.keyArn, clientSecret: storage.ssm.value(plan.names.consoleClientSecretParameter) }),
    runAuditDigest: () => runAuditDigest({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }),
    firstDigest: firstDigest.result,
    metrics: metrics.store,
    alarms: (at) => metrics.alarms(at),
    stop: async () => {
      for (const service of deployed) await service.stop();
      await consoleApi.stop();
      await approvals.stop();
      await database.stop();
      await storage.stop();
      await identity.stop();
    },
  };
}
