import { createSsmClient } from '../aws/clients';
import type { ServerModule } from '../service/define-server';
import { approvalBacklogHandler } from './approval-backlog-handler';
import { approvalTaskHandlers } from './approval-task-handlers';
import { httpApiHandler } from './http-api-handler';
import { createLambdaService, fetchKeysEarly, readAhead } from './lambda-service';
import { once } from './once';
import { readStartupParameters } from './secret-parameters';

type EnvSource = Record<string, string | undefined>;

/**
 * The Lambda entries of one server, from the same declaration its local start uses:
 * `handler` for API Gateway, `notifier` / `executor` for the approval state machine (a
 * server without high-risk tools refuses those), and `backlog` for the scheduled backlog
 * report. Keys named by `*_PARAMETER` variables are read from SSM before the environment is
 * parsed.
 *
 * @example
 * ```ts
 * // apps/ops-writer/src/lambda.ts
 * export const { handler, notifier, executor, backlog } = lambdaEntries(opsWriter);
 * ```
 */
export function lambdaEntries<Deps>(server: Pick<ServerModule<Deps>, 'name' | 'prepare'>, env: EnvSource = process.env) {
  const service = once(async () => {
    // A function listens on no port of its own: PORT only matters to a local start.
    // The issuer's keys need no secret: their fetch overlaps the SSM read.
    const keys = fetchKeysEarly(env);
    const startup = await readStartupParameters(env, () => createSsmClient({ region: env.AWS_REGION ?? 'us-east-1', endpoint: env.SSM_ENDPOINT || undefined }));
    const source = { PORT: '0', ...startup.env };
    const ahead = readAhead(server.name, source, startup.governance, keys);
    ahead?.ready.catch(() => undefined); // awaited (and reported) by createLambdaService
    const prepared = await server.prepare(source);
    return createLambdaService(prepared.env, prepared.definition, ahead);
  });
  return { handler: httpApiHandler(server.name, service), ...approvalTaskHandlers(service), backlog: approvalBacklogHandler(server.name, env) };
}
