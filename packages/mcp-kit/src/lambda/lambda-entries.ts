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
 * `ready` settles once the API function has built its service (the SSM read, the issuer's keys,
 * the app's own checks, the express app): awaited at the top of the bundle, that work happens in
 * Lambda's INIT phase, which provisioned concurrency runs before any request arrives. It settles
 * after `initBudgetMs` (default 8 s, see `warm`) at the latest: an Aurora cluster resuming can hold
 * the reader's login check longer than Lambda lets INIT run; the build goes on, and the first
 * event waits for it. It never rejects: a failed build is logged, and the first event tries
 * again (a second SSM read). The bundle's other functions (the approval tasks, the backlog
 * report) build nothing ahead: they are not waited on by a caller, and the tasks build the
 * service on their own events as before.
 *
 * @example
 * ```ts
 * // apps/ops-writer/src/lambda.ts
 * const entries = lambdaEntries(opsWriter);
 * export const { handler, notifier, executor, backlog } = entries;
 * await entries.ready;
 * ```
 */
export function lambdaEntries<Deps>(server: Pick<ServerModule<Deps>, 'name' | 'prepare'>, env: EnvSource = process.env, { initBudgetMs }: { initBudgetMs?: number } = {}) {
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
  const handler = httpApiHandler(server.name, service);
  const ready = runsExport(env, 'handler') ? handler.warm(initBudgetMs) : Promise.resolve();
  return { handler, ...approvalTaskHandlers(service), backlog: approvalBacklogHandler(server.name, env), ready };
}

/** Whether this function runs `exportName`: Lambda names the handler in `_HANDLER` (`index.handler`). */
function runsExport(env: EnvSource, exportName: string): boolean {
  return env._HANDLER?.split('.').pop() === exportName;
}
