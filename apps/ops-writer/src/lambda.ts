import { lambdaEntries } from '@gmcp/mcp-kit/lambda';
import { opsWriterServer } from './server';

const entries = lambdaEntries(opsWriterServer);

/** Lambda entries: `handler` serves API Gateway; `notifier` and `executor` are the approval state machine's tasks; `backlog` runs on a schedule. */
export const { handler, notifier, executor, backlog } = entries;
// The API function builds its service in Lambda's INIT phase (ahead of any request with provisioned concurrency).
await entries.ready;
