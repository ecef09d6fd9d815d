import type { Approvals } from './approvals';
import type { ApproverNotifier } from './approver-notifier';

/** What the state machine's AwaitDecision task sends the notifier. */
export interface NotifierTaskInput {
  approval_id: string;
  task_token: string;
}

/**
 * The notifier task of the Step Functions workflow: records the waiting task's token and
 * tells the approvers, or, when a decision already came, delivers it at once.
 */
export async function runNotifierTask(input: NotifierTaskInput, approvals: Pick<Approvals, 'recordTaskToken' | 'status'>, notifier: ApproverNotifier) {
  const state = await approvals.recordTaskToken(input.approval_id, input.task_token);
  if (state === 'waiting') {
    const request = await approvals.status(input.approval_id);
    if (request) await notifier.notify(request);
  }
  return { approval_id: input.approval_id, state };
}
