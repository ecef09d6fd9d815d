import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PGlite } from '@electric-sql/pglite';
import { loadOrCreateSigningKey, mintAccessToken, startDevIssuer } from '@gmcp/dev-issuer';
import {
  arns,
  approvalStateMachine,
  bundleDir,
  functionEnvironment,
  functionsOf,
  resourceNames,
  routesOf,
  type FunctionKind,
  type ServiceName,
  type StageConfig,
} from '@gmcp/infra';
import {
  startDataApiTestEndpoint,
  startHttpApiTestEndpoint,
  startLambdaProcess,
  startLocalDynamoDb,
  startLocalS3,
  startSfnTestEndpoint,
  startSnsTestEndpoint,
  startSsmTestEndpoint,
  type HttpApiTestEndpoint,
  type LambdaProcess,
  type SnsTestEndpoint,
} from '@gmcp/local-aws';
import { approvalTableDefinition, auditTableDefinition, createDynamoDbClient, ensureTables, rateLimitTableDefinition } from '@gmcp/mcp-kit';
import { createLogin, createPgliteExecutor, migrate, seedDatabase } from '@gmcp/ops-data';
import { DEFAULT_CORPUS_DIR } from '@gmcp/policy-reader';
import { governanceFile } from '@gmcp/platform';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';

/** A stage as its configuration file would declare it, except that the issuer is the dev issuer on loopback. */
function testStageConfig(issuer: string): StageConfig {
  const service = (name: string) => ({ audience: `api://gmcp-e2e/${name}`, reservedConcurrency: 5, memoryMb: 512, timeoutSeconds: 20 });
  return {
    stage: 'e2e',
    account: ACCOUNT,
    region: REGION,
    auth: { issuer, approverClientIds: ['approvals-console'] },
    services: { 'policy-reader': service('policy-reader'), 'ops-reader': service('ops-reader'), 'ops-writer': service('ops-writer') },
    logRetentionDays: 30,
    approvals: { ttlSeconds: 3600, approverEmails: [] },
    alarms: { emails: [] },
    database: { minCapacity: 0, maxCapacity: 2 },
    edge: { waf: false, rateLimitPer5Minutes: 1000 },
  };
}

export interface DeployedService {
  /** The API's invoke URL; the MCP endpoint is `${url}/mcp`. */
  readonly url: string;
  readonly api: HttpApiTestEndpoint;
  readonly functions: Partial<Record<FunctionKind, LambdaProcess>>;
  readonly env: (kind: FunctionKind) => Record<string, string>;
  stop(): Promise<void>;
}

/**
 * One stage of the platform on loopback, shaped as `sst.config.ts` deploys it: the names,
 * routes and environment come from @gmcp/infra, each function is its bundle in a fresh
 * Node process behind an HTTP API with a JWT authorizer, and every AWS service is a local
 * peer the real SDK clients talk to (dynalite, SSM, S3, the Data API over PGlite, Step
 * Functions, SNS).
 */
export interface AwsStage {
  readonly config: StageConfig;
  readonly names: ReturnType<typeof resourceNames>;
  readonly sns: SnsTestEndpoint;
  readonly dynamoDbEndpoint: string;
  /** Sets an SSM parameter, as `aws ssm put-parameter --overwrite` would. */
  putParameter(name: string, value: string, type?: 'String' | 'SecureString'): void;
  /** The database as its owner (checks that nothing else changed). */
  ownerQuery(sql: string): Promise<readonly Record<string, unknown>[]>;
  token(service: ServiceName, sub: string, scopes: string[], clientId?: string): Promise<string>;
  deploy(service: ServiceName, overrides?: Record<string, string>): Promise<DeployedService>;
  stop(): Promise<void>;
}

export async function startAwsStage(): Promise<AwsStage> {
  const stateDir = await mkdtemp(join(tmpdir(), 'gmcp-aws-stage-'));
  const key = await loadOrCreateSigningKey(join(stateDir, 'signing-key.json'));
  const issuer = await startDevIssuer(key, { port: 0 });
  const config = testStageConfig(issuer.issuer);
  const names = resourceNames(config);
  const arn = arns(config);

  const dynamodb = await startLocalDynamoDb({});
  const dynamo = createDynamoDbClient({ region: REGION, endpoint: dynamodb.endpoint });
  await ensureTables(dynamo, [auditTableDefinition(names.auditTable), approvalTableDefinition(names.approvalsTable), rateLimitTableDefinition(names.rateLimitTable)]);

  const ssm = await startSsmTestEndpoint();
  for (const service of ['policy-reader', 'ops-reader', 'ops-writer'] as const) ssm.put(names.governanceParameter(service), await readFile(governanceFile(service), 'utf8'));
  ssm.put(names.auditKeyParameter, randomBytes(32).toString('base64'), 'SecureString');
  ssm.put(names.approvalKeyParameter, randomBytes(32).toString('base64'), 'SecureString');

  const s3 = await startLocalS3({ buckets: [names.policyBucket] });
  await uploadCorpus(s3.endpoint, names.policyBucket, names.policyPrefix);

  const db = new PGlite();
  const owner = createPgliteExecutor(db);
  await migrate(owner);
  await seedDatabase(owner, { now: new Date() });
  const secretArn = (service: 'ops-reader' | 'ops-writer') => arn.secret(names.databaseSecret(service)).replace('??????', 'AbC123');
  await createLogin(owner, 'reader', names.databaseLogin('ops-reader'));
  await createLogin(owner, 'writer', names.databaseLogin('ops-writer'));
  const dataApi = await startDataApiTestEndpoint({
    db,
    resourceArn: arn.cluster,
    secrets: { [secretArn('ops-reader')]: { user: names.databaseLogin('ops-reader') }, [secretArn('ops-writer')]: { user: names.databaseLogin('ops-writer') } },
  });

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
      [arn.function(names.function('ops-writer', 'approval-notifier'))]: task('approval-notifier', 'notifier'),
      [arn.function(names.function('ops-writer', 'approval-executor'))]: task('approval-executor', 'executor'),
    },
    dynamoDb: { updateItem: (input) => dynamo.send(new UpdateItemCommand(input as unknown as UpdateItemCommandInput)) },
  });
  const machine = approvalStateMachine(config);
  const sfnClient = new SFNClient({ region: REGION, endpoint: sfn.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await sfnClient.send(new CreateStateMachineCommand({ name: machine.name, type: machine.type, roleArn: `arn:aws:iam::${ACCOUNT}:role/${names.stateMachineRole}`, definition: JSON.stringify(machine.definition) }));
  sfnClient.destroy();

  const localEndpoints = {
    AWS_REGION: REGION,
    DYNAMODB_ENDPOINT: dynamodb.endpoint,
    SSM_ENDPOINT: ssm.endpoint,
    S3_ENDPOINT: s3.endpoint,
    RDS_DATA_ENDPOINT: dataApi.endpoint,
    SFN_ENDPOINT: sfn.endpoint,
    SNS_ENDPOINT: sns.endpoint,
  };
  const deployed: DeployedService[] = [];

  return {
    config,
    names,
    sns,
    dynamoDbEndpoint: dynamodb.endpoint,
    putParameter: (name, value, type) => ssm.put(name, value, type),
    ownerQuery: async (sql) => (await owner.query({ sql })).rows,
    token: (service, sub, scopes, clientId) =>
      mintAccessToken(key, { issuer: issuer.issuer, subject: sub, audience: config.services[service].audience, scopes, ttlSeconds: 300, ...(clientId ? { clientId } : {}) }),
    async deploy(service, overrides = {}) {
      const functions: Partial<Record<FunctionKind, LambdaProcess>> = {};
      const api = await startHttpApiTestEndpoint({
        routes: routesOf(service),
        authorizer: { issuer: config.auth.issuer, audiences: [config.services[service].audience] },
        invoke: (event) => functions.api!.invoke('handler', event),
      });
      const env = (kind: FunctionKind) => ({
        ...functionEnvironment(config, { service, kind }, { publicUrl: api.url, databaseSecretArn: service === 'policy-reader' ? undefined : secretArn(service) }),
        ...localEndpoints,
        AWS_LAMBDA_FUNCTION_NAME: names.function(service, kind),
        ...overrides,
      });
      for (const spec of functionsOf(service)) {
        functions[spec.kind] = await startLambdaProcess(join(bundleDir(service), 'index.mjs'), env(spec.kind), { silent: true });
        if (service === 'ops-writer') tasks[spec.kind] = functions[spec.kind];
      }
      const result: DeployedService = {
        url: api.url,
        api,
        functions,
        env,
        stop: async () => {
          await api.stop();
          await Promise.all(Object.values(functions).map((fn) => fn.stop()));
        },
      };
      deployed.push(result);
      return result;
    },
    stop: async () => {
      for (const service of deployed) await service.stop();
      await sfn.stop();
      await sns.stop();
      await dataApi.stop();
      await db.close();
      await s3.stop();
      await ssm.stop();
      dynamo.destroy();
      await dynamodb.stop();
      await issuer.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

async function uploadCorpus(endpoint: string, bucket: string, prefix: string): Promise<void> {
  const client = new S3Client({ region: REGION, endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  const files = (await readdir(DEFAULT_CORPUS_DIR, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
  for (const file of files) {
    const path = join(file.parentPath, file.name);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${relative(DEFAULT_CORPUS_DIR, path)}`, Body: await readFile(path) }));
  }
  client.destroy();
}
