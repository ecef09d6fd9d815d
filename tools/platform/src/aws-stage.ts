import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PGlite } from '@electric-sql/pglite';
import type { LimitedIdentityProvider } from '@gmcp/dev-issuer/testing';
import {
  arns,
  approvalAudiences,
  approvalServer,
  approvalStateMachine,
  bundleDir,
  deploymentPlan,
  functionEnvironment,
  functionsOf,
  resourceNames,
  routesOf,
  SERVER_NAMES,
  serverUses,
  serversUsing,
  type DeploymentPlan,
  type FunctionKind,
  type ServerName,
  type StageConfig,
} from '@gmcp/infra';
import {
  startDataApiTestEndpoint,
  startHttpApiTestEndpoint,
  startIamCallRecorder,
  startLambdaProcess,
  startLocalDynamoDb,
  startKmsTestEndpoint,
  startLocalS3,
  startSecretsManagerTestEndpoint,
  startSfnTestEndpoint,
  startSnsTestEndpoint,
  startSsmTestEndpoint,
  type AwsCall,
  type HttpApiTestEndpoint,
  type LambdaProcess,
  type RecordedService,
  type SnsTestEndpoint,
} from '@gmcp/local-aws';
import { approvalTableDefinition, auditTableDefinition, createDynamoDbClient, createLogger, ensureTables, rateLimitTableDefinition } from '@gmcp/mcp-kit';
import { createPgliteExecutor, seedDatabase } from '@gmcp/ops-data';
import { createPolicyLibrary, createS3BlobStore, DEFAULT_CORPUS_DIR, INDEX_KEY } from '@gmcp/policy-reader';
import { governanceFile } from './local-contract';
import { startStageIdentity, type StageIdentity, type StageIdentityStyle } from './aws-stage-identity';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';

/** A stage as its configuration file would declare it, except that its identity provider runs on loopback. */
function testStageConfig(identity: StageIdentity): StageConfig {
  const service = (name: ServerName) => ({ ...identity.service(name), reservedConcurrency: 5, memoryMb: 512, timeoutSeconds: 20, throttle: { ratePerSecond: 50, burst: 100 } });
  return {
    stage: 'e2e',
    account: ACCOUNT,
    region: REGION,
    retain: false,
    auth: identity.auth,
    governanceDir: 'config/governance',
    services: Object.fromEntries(SERVER_NAMES.map((name) => [name, service(name)])) as StageConfig['services'],
    logRetentionDays: 30,
    approvals: { ttlSeconds: 3600, approverEmails: [] },
    alarms: { emails: [] },
    database: { minCapacity: 0, maxCapacity: 2 },
    // The chain starts a day before the stage does: the loopback stage's records are all in it.
    auditDigests: { scheduleMinutes: 60, chainStart: new Date(Date.now() - 86_400_000).toISOString() },
    edge: { waf: false, rateLimitPer5Minutes: 1000 },
  };
}

export interface DeployedService {
  /** The API's invoke URL; the MCP endpoint is `${url}/mcp`. */
  readonly url: string;
  readonly api: HttpApiTestEndpoint;
  readonly functions: Partial<Record<FunctionKind, LambdaProcess>>;
  readonly env: (kind: FunctionKind) => Record<string, string>;
  /** The same environment with the peers' own endpoints: no recorder in between (benchmarks). */
  readonly directEnv: (kind: FunctionKind) => Record<string, string>;
  /** The AWS calls a function made so far, as IAM would authorize them. */
  readonly calls: (kind: FunctionKind) => readonly AwsCall[];
  stop(): Promise<void>;
}

/**
 * One stage of the platform on loopback, shaped as `sst.config.ts` deploys it: the names,
 * routes and environment come from @gmcp/infra, each function is its bundle in a fresh
 * Node process behind an HTTP API with a JWT authorizer, and every AWS service is a local
 * peer the real SDK clients talk to (dynalite, SSM, S3, the Data API over PGlite, Secrets
 * Manager, Step Functions, SNS) through a recorder per function that writes down each call
 * as IAM would authorize it. The database is set up by the bundled migration step. Build
 * the bundles first (`npm run build:lambda`, or `bundleLambda`).
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
  /** Runs the bundled scheduled audit digest once, as EventBridge would, with the plan's environment. */
  runAuditDigest(): Promise<{ result: unknown; calls: readonly AwsCall[]; keyArn: string; logs: readonly string[] }>;
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
  const names = resourceNames(config);
  const arn = arns(config);

  const dynamodb = await startLocalDynamoDb({});
  const dynamo = createDynamoDbClient({ region: REGION, endpoint: dynamodb.endpoint });
  await ensureTables(dynamo, [auditTableDefinition(names.auditTable), approvalTableDefinition(names.approvalsTable), rateLimitTableDefinition(names.rateLimitTable)]);

  const ssm = await startSsmTestEndpoint();
  for (const service of SERVER_NAMES) ssm.put(names.governanceParameter(service), await readFile(governanceFile(service), 'utf8'));
  ssm.put(names.auditKeyParameter, randomBytes(32).toString('base64'), 'SecureString');
  ssm.put(names.approvalKeyParameter, randomBytes(32).toString('base64'), 'SecureString');

  const s3 = await startLocalS3({ buckets: [names.policyBucket, names.digestBucket] });
  const kms = await startKmsTestEndpoint({ region: REGION, accountId: ACCOUNT });
  await uploadCorpus(s3.endpoint, names.policyBucket, names.policyPrefix);

  // The database as a deployment leaves it: migrated, with each server's login set up from
  // its own secret by the bundled migration step (as the admin), then seeded for the tests.
  const db = new PGlite();
  const owner = createPgliteExecutor(db);
  const secretArn = (service: ServerName) => arn.secret(names.databaseSecret(service)).replace('??????', 'AbC123');
  const databaseServers = serversUsing('ops-database');
  const adminSecretArn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:OpsDatabaseProxySecret-XyZ789`;
  const dataApi = await startDataApiTestEndpoint({
    db,
    resourceArn: arn.cluster,
    secrets: {
      [adminSecretArn]: { user: 'postgres' },
      ...Object.fromEntries(databaseServers.map((service) => [secretArn(service), { user: names.databaseLogin(service) }])),
    },
  });
  const loginSecret = (service: ServerName) => JSON.stringify({ username: names.databaseLogin(service), password: randomBytes(24).toString('hex') });
  const secretsManager = await startSecretsManagerTestEndpoint({ secrets: Object.fromEntries(databaseServers.map((service) => [secretArn(service), loginSecret(service)])) });
  const peers: Partial<Record<RecordedService, string>> = {
    dynamodb: dynamodb.endpoint,
    ssm: ssm.endpoint,
    s3: s3.endpoint,
    'rds-data': dataApi.endpoint,
    secretsmanager: secretsManager.endpoint,
    kms: kms.endpoint,
  };
  const plan = deploymentPlan(config.stage, undefined, config);
  const logins = { adminSecretArn, readerSecretArn: secretArn(plan.migration.logins.reader), writerSecretArn: secretArn(plan.migration.logins.writer) };
  const migration = await runMigrationStep(plan, logins, peers);
  await seedDatabase(owner, { now: new Date() });

  const sns = await startSnsTestEndpoint({ topics: [arn.topic(names.approverTopic)] });
  // The state machine invokes the writer's task functions once they are deployed.
  const tasks: Partial<Record<FunctionKind, LambdaProcess>> = {};
  const task = (kind: FunctionKind, exportName: string) => async (payload: unknown) => {
    const process = tasks[kind];
    if (!process) throw new Error(`${kind} is not deployed`);
    const invocation = await process.invoke(exportName, payload);
    if (!invocation.ok) throw Object.assign(new Error(invocation.error.errorMessage), { name: invocation.error.errorType });
    return invocation.result;
  };
  const sfn = await startSfnTestEndpoint({
    region: REGION,
    accountId: ACCOUNT,
    lambdas: {
      [arn.function(names.function(approvalServer(), 'approval-notifier'))]: task('approval-notifier', 'notifier'),
      [arn.function(names.function(approvalServer(), 'approval-executor'))]: task('approval-executor', 'executor'),
    },
    dynamoDb: { updateItem: (input) => dynamo.send(new UpdateItemCommand(input as unknown as UpdateItemCommandInput)) },
  });
  const machine = approvalStateMachine(config);
  const sfnClient = new SFNClient({ region: REGION, endpoint: sfn.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await sfnClient.send(new CreateStateMachineCommand({ name: machine.name, type: machine.type, roleArn: `arn:aws:iam::${ACCOUNT}:role/${names.stateMachineRole}`, definition: JSON.stringify(machine.definition) }));
  sfnClient.destroy();

  Object.assign(peers, { states: sfn.endpoint, sns: sns.endpoint });
  const deployed: DeployedService[] = [];

  return {
    config,
    ...(identity.provider ? { limitedIdentityProvider: identity.provider } : {}),
    names,
    sns,
    dynamoDbEndpoint: dynamodb.endpoint,
    s3Endpoint: s3.endpoint,
    kmsEndpoint: kms.endpoint,
    migration: { ...migration, adminSecretArn },
    putParameter: (name, value, type) => ssm.put(name, value, type),
    ownerQuery: async (sql) => (await owner.query({ sql })).rows,
    token: (service, sub, scopes, clientId) => identity.token(service, sub, scopes, clientId),
    async deploy(service, overrides = {}) {
      const functions: Partial<Record<FunctionKind, LambdaProcess>> = {};
      const recorders: Partial<Record<FunctionKind, Recorders>> = {};
      const api = await startHttpApiTestEndpoint({
        routes: routesOf(config, service),
        authorizer: { issuer: config.auth.issuer, audiences: approvalAudiences(config, service) },
        invoke: (event) => functions.api!.invoke('handler', event),
      });
      await identity.registerServer(service, api.url);
      const environments: Partial<Record<FunctionKind, Record<string, string>>> = {};
      for (const spec of functionsOf(service)) {
        const recording = await startRecorders(peers);
        recorders[spec.kind] = recording;
        environments[spec.kind] = {
          ...functionEnvironment(config, spec, { publicUrl: api.url, databaseSecretArn: serverUses(service, 'ops-database') ? secretArn(service) : undefined }),
          ...recording.env,
          AWS_LAMBDA_FUNCTION_NAME: names.function(service, spec.kind),
          ...overrides,
        };
        functions[spec.kind] = await startLambdaProcess(join(bundleDir(service), 'index.mjs'), environments[spec.kind]!, { silent: true });
        if (serverUses(service, 'approvals')) tasks[spec.kind] = functions[spec.kind];
      }
      const result: DeployedService = {
        url: api.url,
        api,
        functions,
        env: (kind) => environments[kind]!,
        directEnv: (kind) => ({ ...environments[kind]!, ...endpointEnv(peers) }),
        calls: (kind) => recorders[kind]?.calls() ?? [],
        stop: async () => {
          await api.stop();
          await Promise.all(Object.values(functions).map((fn) => fn.stop()));
          await Promise.all(Object.values(recorders).map((recording) => recording.stop()));
        },
      };
      deployed.push(result);
      return result;
    },
    async runAuditDigest() {
      const recording = await startRecorders(peers);
      const digests = deploymentPlan(config.stage, undefined, config).auditDigests;
      const lambda = await startLambdaProcess(join(bundleDir('audit-digest'), 'index.mjs'), { ...digests.environment({ digestKeyArn: kms.keyArn }), ...recording.env, AUDIT_DIGEST_SETTLE_SECONDS: '0' }, { silent: true });
      try {
        const invocation = await lambda.invoke('handler', {});
        if (!invocation.ok) throw new Error(`The audit digest failed: ${invocation.error.errorType}: ${invocation.error.errorMessage}\n${lambda.logs().join('\n')}`);
        return { result: invocation.result, calls: recording.calls(), keyArn: kms.keyArn, logs: lambda.logs() };
      } finally {
        await lambda.stop();
        await recording.stop();
      }
    },
    stop: async () => {
      for (const service of deployed) await service.stop();
      await kms.stop();
      await sfn.stop();
      await sns.stop();
      await dataApi.stop();
      await secretsManager.stop();
      await db.close();
      await s3.stop();
      await ssm.stop();
      dynamo.destroy();
      await dynamodb.stop();
      await identity.stop();
    },
  };
}

const ENDPOINT_VARIABLES: Record<RecordedService, string> = {
  dynamodb: 'DYNAMODB_ENDPOINT',
  ssm: 'SSM_ENDPOINT',
  s3: 'S3_ENDPOINT',
  'rds-data': 'RDS_DATA_ENDPOINT',
  secretsmanager: 'SECRETS_MANAGER_ENDPOINT',
  states: 'SFN_ENDPOINT',
  sns: 'SNS_ENDPOINT',
  kms: 'KMS_ENDPOINT',
};

function endpointEnv(endpoints: Partial<Record<RecordedService, string>>): Record<string, string> {
  return { AWS_REGION: REGION, ...Object.fromEntries(Object.entries(endpoints).map(([service, endpoint]) => [ENDPOINT_VARIABLES[service as RecordedService], endpoint])) };
}

interface Recorders {
  /** The endpoint variables that route one function's clients through its recorders. */
  env: Record<string, string>;
  calls(): AwsCall[];
  stop(): Promise<void>;
}

/** One recorder per peer for one function, so that each function's calls can be held to its own role. */
async function startRecorders(peers: Partial<Record<RecordedService, string>>): Promise<Recorders> {
  const started = await Promise.all(
    (Object.entries(peers) as [RecordedService, string][]).filter(([, endpoint]) => endpoint).map(async ([service, endpoint]) => [service, await startIamCallRecorder(endpoint, service, { region: REGION, account: ACCOUNT })] as const),
  );
  return {
    env: endpointEnv(Object.fromEntries(started.map(([service, recorder]) => [service, recorder.endpoint]))),
    calls: () => started.flatMap(([, recorder]) => recorder.calls),
    stop: async () => void (await Promise.all(started.map(([, recorder]) => recorder.stop()))),
  };
}

/** Runs the bundled migration step once, as the deployment does after a change to the migrations. */
async function runMigrationStep(plan: DeploymentPlan, secrets: { adminSecretArn: string; readerSecretArn: string; writerSecretArn: string }, peers: Partial<Record<RecordedService, string>>) {
  const recording = await startRecorders(peers);
  const lambda = await startLambdaProcess(join(bundleDir('ops-migrate'), 'index.mjs'), { ...plan.migration.environment(secrets), ...recording.env }, { silent: true });
  try {
    const invocation = await lambda.invoke('handler', {});
    if (!invocation.ok) throw new Error(`The migration step failed: ${invocation.error.errorType}: ${invocation.error.errorMessage}\n${lambda.logs().join('\n')}`);
    return { result: invocation.result, calls: recording.calls() };
  } finally {
    await lambda.stop();
    await recording.stop();
  }
}

/** Publishes the shipped policies as a release would: the documents, then the prebuilt index built from the bucket itself (`npm run policies:index`). */
async function uploadCorpus(endpoint: string, bucket: string, prefix: string): Promise<void> {
  const client = new S3Client({ region: REGION, endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  const files = (await readdir(DEFAULT_CORPUS_DIR, { withFileTypes: true })).filter((entry) => entry.isFile() && entry.name.endsWith('.md'));
  for (const file of files) {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${file.name}`, Body: await readFile(join(DEFAULT_CORPUS_DIR, file.name)) }));
  }
  const store = createS3BlobStore(client, bucket, prefix);
  await store.write(INDEX_KEY, await createPolicyLibrary(store, { refreshMs: 0, logger: createLogger('policies-index', 'SILENT') }).buildPrebuiltIndex());
  client.destroy();
}
