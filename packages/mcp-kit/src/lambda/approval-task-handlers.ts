import { z } from 'zod';
import { ConfigError } from '../errors/errors';
import type { McpService } from '../service/create-service';
import { once } from './once';

const ApprovalId = z.string().min(1).max(128);
/** The AwaitDecision task's payload (see approval-state-machine.ts); extra fields are ignored. */
const NotifierEvent = z.object({ approval_id: ApprovalId, task_token: z.string().min(1).max(1024) });
const ExecutorEvent = z.object({ approval_id: ApprovalId });

/**
 * The Lambda entries the approval state machine invokes for a server with high-risk
 * tools: the notifier (records the task token, tells the approvers) and the executor
 * (runs the approved call once). Both build the same service as the MCP entry; an
 * error thrown here fails the task, which the state machine never retries for the executor.
 */
export function approvalTaskHandlers(init: () => Promise<McpService>) {
  const approvals = once(async () => {
    const service = await init();
    if (!service.approvals) throw new ConfigError('This server has no high-risk tools, so it has no approval tasks', []);
    return service.approvals;
  });
  return {
    notifier: async (event: unknown) => {
      const input = NotifierEvent.parse(event);
      return (await approvals()).notifierTask(input);
    },
    executor: async (event: unknown) => {
      const { approval_id } = ExecutorEvent.parse(event);
      return { approval_id, result: await (await approvals()).runApproved(approval_id) };
    },
  };
}
