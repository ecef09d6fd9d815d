import { lambdaEntries } from '@gmcp/mcp-kit';
import { opsWriterServer } from './service';

/** Lambda entries: `handler` serves API Gateway; `notifier` and `executor` are the approval state machine's tasks; `backlog` runs on a schedule. */
export const { handler, notifier, executor, backlog } = lambdaEntries(opsWriterServer.name, opsWriterServer.prepare);
