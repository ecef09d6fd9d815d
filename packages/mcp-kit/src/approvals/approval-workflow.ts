import type { ApprovalDecision, ApprovalRequest } from './approval-request';

/**
 * Where an approval waits and from where the approved call is run. On AWS: a Step
 * Functions Standard state machine with a `.waitForTaskToken` task that notifies the
 * approvers (SNS) and, once approved, invokes the executor. Locally: in process.
 */
export interface ApprovalWorkflow {
  /**
   * Starts waiting for a decision on a recorded request; returns its reference (an execution
   * ARN) and, when the workflow knows it at once, the token a decision is delivered with (on
   * Step Functions the notifier records the token later).
   */
  start(request: ApprovalRequest): Promise<{ workflowRef: string; taskToken?: string }>;
  /**
   * Delivers a recorded decision to the waiting workflow: an approval resumes it (it then
   * runs the call), a rejection ends it. `taskToken` is what the waiting task handed out.
   */
  deliver(decision: ApprovalDecision, taskToken: string): Promise<void>;
}
