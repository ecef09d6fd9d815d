import { join } from 'node:path';
import { approvalAudiences, bundleDir, FIRST_RUN_EVENT, functionEnvironment, functionsOf, resourceNames, routesOf, serverUses, type FunctionKind, type FunctionSpec, type ServerName, type StageConfig } from '@gmcp/infra';
import { recordApiRequest, startHttpApiTestEndpoint, type AwsCall, type HttpApiTestEndpoint, type LambdaProcess } from '@gmcp/local-aws';
import { endpointEnv, startRecorders, type Peers, type Recorders } from './recorders';
import type { StageMetrics } from './stage-metrics';
import type { StageIdentity } from './stage-identity';

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

export interface DeployTarget {
  config: StageConfig;
  identity: StageIdentity;
  peers: Peers;
  /** Each server's database secret, for those using the ops database. */
  databaseSecretArn(service: ServerName): string;
  /** Hands the approval server's functions to the state machine's tasks. */
  registerApprovalTask(kind: FunctionKind, process: LambdaProcess): void;
  /** The approvals console's URL (its API listens from the stage's start). */
  consoleUrl?: string;
  /** Where the API and the functions report their metrics. */
  metrics: StageMetrics;
}

/**
 * One server as `sst deploy` ships it: its HTTP API with the JWT authorizer on the routes the
 * plan protects, and each of its functions as its bundle in a fresh Node process with the
 * plan's environment, every AWS call going through that function's own recorders, every
 * invocation, request and EMF log line reported to the stage's metrics. A scheduled function
 * runs once before this returns, as its first-run invocation does on AWS; if it fails, so does
 * the deploy.
 */
export async function deployService(target: DeployTarget, service: ServerName, overrides: Record<string, string> = {}): Promise<DeployedService> {
  const { config, identity, peers } = target;
  const names = resourceNames(config);
  const functions: Partial<Record<FunctionKind, LambdaProcess>> = {};
  const recorders: Partial<Record<FunctionKind, Recorders>> = {};
  const environments: Partial<Record<FunctionKind, Record<string, string>>> = {};
  const apiId = target.metrics.apiId(service);
  const api = await startHttpApiTestEndpoint({
    routes: routesOf(config, service),
    authorizer: { issuer: config.auth.issuer, audiences: approvalAudiences(config, service) },
    invoke: (event) => functions.api!.invoke('handler', event),
    apiId,
    onResponse: (status, latencyMs) => recordApiRequest(target.metrics.store, apiId, status, latencyMs),
  });
  await identity.registerServer(service, api.url);
  for (const spec of functionsOf(service)) {
    const recording = await startRecorders(peers);
    recorders[spec.kind] = recording;
    environments[spec.kind] = {
      ...functionEnvironment(config, spec, {
        publicUrl: api.url,
        databaseSecretArn: serverUses(service, 'ops-database') ? target.databaseSecretArn(service) : undefined,
        ...(target.consoleUrl ? { consoleUrl: target.consoleUrl } : {}),
      }),
      ...recording.env,
      AWS_LAMBDA_FUNCTION_NAME: names.function(service, spec.kind),
      // Set by the Lambda runtime: the deployed folder, and the handler the function runs.
      LAMBDA_TASK_ROOT: bundleDir(service),
      _HANDLER: `index.${spec.handlerExport}`,
      ...overrides,
    };
    const process = await target.metrics.startFunction(join(bundleDir(service), 'index.mjs'), environments[spec.kind]!, names.function(service, spec.kind));
    functions[spec.kind] = process;
    if (serverUses(service, 'approvals')) target.registerApprovalTask(spec.kind, process);
  }
  const stop = async () => {
    await api.stop();
    await Promise.all(Object.values(functions).map((fn) => fn.stop()));
    await Promise.all(Object.values(recorders).map((recording) => recording.stop()));
  };
  await firstRuns(functionsOf(service), functions).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return {
    url: api.url,
    api,
    functions,
    env: (kind) => environments[kind]!,
    directEnv: (kind) => ({ ...environments[kind]!, ...endpointEnv(peers) }),
    calls: (kind) => recorders[kind]?.calls() ?? [],
    stop,
  };
}

/** The functions a schedule runs (the approval backlog report) run once at deploy, as their first-run invocation does on AWS. */
async function firstRuns(specs: readonly FunctionSpec[], functions: Partial<Record<FunctionKind, LambdaProcess>>): Promise<void> {
  for (const spec of specs.filter((candidate) => candidate.scheduled)) {
    const invocation = await functions[spec.kind]!.invoke(spec.handlerExport, FIRST_RUN_EVENT);
    if (!invocation.ok) throw new Error(`The first run of ${spec.service}/${spec.kind} failed, so the deploy fails: ${invocation.error.errorType}: ${invocation.error.errorMessage}\n${functions[spec.kind]!.logs().join('\n')}`);
  }
}
