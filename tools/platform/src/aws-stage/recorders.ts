import { startIamCallRecorder, startLambdaProcess, type AwsCall, type RecordedService } from '@gmcp/local-aws';
import { ACCOUNT, REGION } from './stage-config';
import type { StageMetrics } from './stage-metrics';

/** The local peers by the AWS service they stand for. */
export type Peers = Partial<Record<RecordedService, string>>;

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

/** The variables that point a function's AWS clients at these endpoints. */
export function endpointEnv(endpoints: Peers): Record<string, string> {
  return { AWS_REGION: REGION, ...Object.fromEntries(Object.entries(endpoints).map(([service, endpoint]) => [ENDPOINT_VARIABLES[service as RecordedService], endpoint])) };
}

export interface Recorders {
  /** The endpoint variables that route one function's clients through its recorders. */
  env: Record<string, string>;
  calls(): AwsCall[];
  stop(): Promise<void>;
}

/** One recorder per peer for one function, so that each function's calls can be held to its own role. */
export async function startRecorders(peers: Peers): Promise<Recorders> {
  const started = await Promise.all(
    (Object.entries(peers) as [RecordedService, string][]).filter(([, endpoint]) => endpoint).map(async ([service, endpoint]) => [service, await startIamCallRecorder(endpoint, service, { region: REGION, account: ACCOUNT })] as const),
  );
  return {
    env: endpointEnv(Object.fromEntries(started.map(([service, recorder]) => [service, recorder.endpoint]))),
    calls: () => started.flatMap(([, recorder]) => recorder.calls),
    stop: async () => void (await Promise.all(started.map(([, recorder]) => recorder.stop()))),
  };
}

/**
 * Runs a bundle's `handler` once in a fresh Node process, as a deployment step or a schedule
 * would, its AWS calls recorded (and, given `reportAs`, its invocation and EMF lines reported to the
 * stage's metrics under that function name); a failure throws with the function's log.
 */
export async function invokeBundleOnce(
  bundle: string,
  env: Record<string, string>,
  peers: Peers,
  what: string,
  reportAs?: { metrics: StageMetrics; functionName: string; event: unknown },
): Promise<{ result: unknown; calls: AwsCall[]; logs: string[] }> {
  const recording = await startRecorders(peers);
  const environment = { ...env, ...recording.env };
  const lambda = reportAs ? await reportAs.metrics.startFunction(bundle, environment, reportAs.functionName) : await startLambdaProcess(bundle, environment, { silent: true });
  try {
    const invocation = await lambda.invoke('handler', reportAs?.event ?? {});
    if (!invocation.ok) throw new Error(`${what} failed: ${invocation.error.errorType}: ${invocation.error.errorMessage}\n${lambda.logs().join('\n')}`);
    return { result: invocation.result, calls: recording.calls(), logs: [...lambda.logs()] };
  } finally {
    await lambda.stop();
    await recording.stop();
  }
}
