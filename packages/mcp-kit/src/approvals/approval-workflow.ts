import { KitError } from '../errors/errors';
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

/**
 * Why a workflow call was refused, in terms the caller can act on. Stable values.
 * - `task_timed_out`: the waiting task no longer takes a decision (Step Functions'
 *   TaskTimedOut, "Provided task does not exist anymore"): the wait timed out, so the
 *   approval expired, or a decision was already delivered (possibly by an earlier attempt of
 *   the same call). The approvals store says which.
 * - `task_not_found`: no such task (TaskDoesNotExist).
 * - `invalid_token`: the token is not a task token (InvalidToken).
 * - `execution_conflict`: an execution named after this approval exists with another input.
 */
export type ApprovalWorkflowFailure = 'task_timed_out' | 'task_not_found' | 'invalid_token' | 'execution_conflict';

const DESCRIPTIONS: Readonly<Record<ApprovalWorkflowFailure, string>> = {
  task_timed_out: 'The approval is no longer waiting for a decision: it expired, or a decision was already delivered',
  task_not_found: 'No approval is waiting with this task token',
  invalid_token: 'The task token is not valid',
  execution_conflict: 'An approval workflow with this id already exists for a different request',
};

/** A decision or a start the workflow refused; `reason` says why. */
export class ApprovalWorkflowError extends KitError {
  constructor(
    readonly reason: ApprovalWorkflowFailure,
    options?: ErrorOptions,
  ) {
    super(DESCRIPTIONS[reason], options);
  }
}
