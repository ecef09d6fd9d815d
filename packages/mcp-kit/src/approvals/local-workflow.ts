import type { ApprovalWorkflow } from './approval-workflow';

/**
 * The local stand-in for the Step Functions state machine: nothing waits in a separate
 * service; an approval delivered here runs the approved call at once, in process, through
 * the same single-use executor the state machine's executor task uses on AWS.
 */
export function createLocalWorkflow(runApproved: (approvalId: string) => Promise<unknown>): ApprovalWorkflow {
  return {
    start: async (request) => ({ workflowRef: `local:${request.approval_id}`, taskToken: `local:${request.approval_id}` }),
    deliver: async (decision) => {
      if (decision.decision === 'approved') await runApproved(decision.approval_id);
    },
  };
}
