import { join } from 'node:path';
import { bundleDir, type DeploymentPlan } from '@gmcp/infra';
import { startHttpApiTestEndpoint, startLambdaProcess, type AwsCall, type HttpApiTestEndpoint, type LambdaProcess } from '@gmcp/local-aws';
import { startRecorders, type Peers, type Recorders } from './recorders';
import type { StageIdentity } from './stage-identity';

export interface DeployedConsole {
  readonly url: string;
  readonly env: Record<string, string>;
  /** The AWS calls the console made so far, as IAM would authorize them. */
  calls(): readonly AwsCall[];
  logs(): readonly string[];
}

/**
 * The console's HTTP API, listening from the stage's start (the writer's environment names its
 * URL), with its function deployed later, once the writer it calls runs: its bundle in a fresh
 * Node process with the plan's environment, its AWS calls through recorders of its own.
 */
export async function startConsoleApi(plan: DeploymentPlan, issuer: string) {
  let lambda: LambdaProcess | undefined;
  let recording: Recorders | undefined;
  const api: HttpApiTestEndpoint = await startHttpApiTestEndpoint({
    routes: plan.console.routes,
    authorizer: { issuer, audiences: [] },
    invoke: async (event) => {
      if (!lambda) return { ok: false, error: { errorType: 'NotDeployed', errorMessage: 'The console is not deployed yet' }, durationMs: 0 };
      return lambda.invoke('handler', event);
    },
  });
  return {
    url: api.url,
    async deploy(target: { identity: StageIdentity; peers: Peers; writerUrl: string; digestKeyArn: string; clientSecret: string }): Promise<DeployedConsole> {
      if (lambda) throw new Error('The console is deployed already');
      recording = await startRecorders(target.peers);
      const env = { ...plan.console.environment({ publicUrl: api.url, writerUrl: target.writerUrl, digestKeyArn: target.digestKeyArn }), ...recording.env, AWS_LAMBDA_FUNCTION_NAME: plan.console.name };
      await target.identity.registerConsole(`${api.url}/callback`, target.clientSecret);
      const started = await startLambdaProcess(join(bundleDir('console'), 'index.mjs'), env, { silent: true });
      lambda = started;
      const calls = recording;
      return { url: api.url, env, calls: () => calls.calls(), logs: () => started.logs() };
    },
    stop: async () => {
      await api.stop();
      await lambda?.stop();
      await recording?.stop();
    },
  };
}
