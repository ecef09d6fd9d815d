import { lambdaEntries } from '@gmcp/mcp-kit/lambda';
import { opsWriterServer } from './server';

/** Lambda entries: `handler` serves API Gateway; `notifier` and `executor` are the approval state machine's tasks; `backlog` runs on a schedule. */
export const { handler, notifier, executor, backlog } = lambdaEntries(opsWriterServer);
