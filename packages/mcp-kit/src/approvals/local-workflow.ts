import type { ApprovalWorkflow } from './approval-workflow';
import type { ApproverNotifier } from './approver-notifier';

/**
 * The local stand-in for the Step Functions state machine: nothing waits in a separate
 * service; an approval delivered here runs the approved call at once, in process, through
 * the same single-use executor the state machine's executor task uses on AWS.
 */
export function createLocalWorkflow(runApproved: (approvalId: string) => Promise<unknown>, notifier?: ApproverNotifier): ApprovalWorkflow {
  return {
    start: async (request) => {
      await notifier?.notify(request);
      return { workflowRef: `local:${request.approval_id}`, taskToken: `local:${request.approval_id}` };
    },
    deliver: async (decision) => {
      if (decision.decision === 'approved') await runApproved(decision.approval_id);
    },
  };
}
