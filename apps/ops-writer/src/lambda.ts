import { lambdaEntries } from '@gmcp/mcp-kit';
import { OPS_WRITER_NAME, prepareOpsWriter } from './service';

/** Lambda entries: `handler` serves API Gateway; `notifier` and `executor` are the approval state machine's tasks; `backlog` runs on a schedule. */
export const { handler, notifier, executor, backlog } = lambdaEntries(OPS_WRITER_NAME, prepareOpsWriter);
