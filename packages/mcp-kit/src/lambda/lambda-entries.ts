import { createSsmClient } from '../aws/clients';
import type { PreparedService } from '../service/start-service';
import { approvalBacklogHandler } from './approval-backlog-handler';
import { approvalTaskHandlers } from './approval-task-handlers';
import { httpApiHandler } from './http-api-handler';
import { createLambdaService, readAhead } from './lambda-service';
import { once } from './once';
import { withSecretParameters } from './secret-parameters';

type EnvSource = Record<string, string | undefined>;

/**
 * The Lambda entries of one server, from the same `prepare` its local start uses:
 * `handler` for API Gateway, `notifier` / `executor` for the approval state machine (a
 * server without high-risk tools refuses those), and `backlog` for the scheduled backlog report. Keys named by `*_PARAMETER`
 * variables are read from SSM before the environment is parsed.
 */
export function lambdaEntries<Deps>(serverName: string, prepare: (env: EnvSource) => Promise<PreparedService<Deps>>, env: EnvSource = process.env) {
  const service = once(async () => {
    const source = await withSecretParameters(env, () => createSsmClient({ region: env.AWS_REGION ?? 'us-east-1', endpoint: env.SSM_ENDPOINT || undefined }));
    const ahead = readAhead(serverName, source);
    ahead?.ready.catch(() => undefined); // awaited (and reported) by createLambdaService
    const prepared = await prepare(source);
    return createLambdaService(prepared.env, prepared.definition, ahead);
  });
  return { handler: httpApiHandler(serverName, service), ...approvalTaskHandlers(service), backlog: approvalBacklogHandler(serverName, env) };
}
