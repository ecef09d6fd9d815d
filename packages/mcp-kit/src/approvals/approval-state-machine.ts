/**
 * The approval workflow on AWS: an Amazon States Language (JSONPath) definition for a Step
 * Functions STANDARD state machine (a wait may last days; Express workflows cannot wait for a
 * task token). The execution input is `{ approval_id, server, tool, expires_at }` and never
 * the call's arguments: the executor reads them from the approvals store, so no payload
 * lands in the execution history.
 *
 *   AwaitDecision ──decision──► Decided ──approved──► Execute ──► Done
 *        │                         ├──rejected──► Rejected
 *        │                         └──anything else──► InvalidDecision (Fail)
 *        ├──ApprovalRejected (SendTaskFailure)──► Rejected
 *        └──States.Timeout──► MarkExpired ──► Expired
 *                                  └──ConditionalCheckFailed (decided meanwhile)──► Done
 */

/** Amazon States Language, typed just enough for this module and its tests. */
export interface AslRetrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
}

export interface AslCatcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}

export interface AslTaskState {
  Type: 'Task';
  Comment?: string;
  Resource: string;
  Parameters?: Record<string, unknown>;
  ResultPath?: string | null;
  TimeoutSeconds?: number;
  Retry?: AslRetrier[];
  Catch?: AslCatcher[];
  Next?: string;
  End?: true;
}

export interface AslChoiceState {
  Type: 'Choice';
  Comment?: string;
  Choices: { Variable: string; StringEquals: string; Next: string }[];
  Default?: string;
}

export interface AslSucceedState {
  Type: 'Succeed';
  Comment?: string;
}

export interface AslFailState {
  Type: 'Fail';
  Comment?: string;
  Error?: string;
  Cause?: string;
}

export type AslState = AslTaskState | AslChoiceState | AslSucceedState | AslFailState;

export interface AslDefinition<StateName extends string = string> {
  Comment?: string;
  StartAt: StateName;
  States: Record<StateName, AslState>;
}

export type ApprovalStateName = 'AwaitDecision' | 'Decided' | 'Execute' | 'MarkExpired' | 'Expired' | 'Rejected' | 'InvalidDecision' | 'Done';

/** The error the API sends with SendTaskFailure when an approver rejects the request. */
export const APPROVAL_REJECTED_ERROR = 'ApprovalRejected';

export interface ApprovalStateMachineOptions {
  /** Records the task token on the approval item and notifies the approvers (SNS). */
  notifierFunctionArn: string;
  /** Runs the approved call, once (it claims the item approved → executing before running). */
  executorFunctionArn: string;
  /** The approvals table (key `approval_id`, attribute `status`). */
  approvalsTableName: string;
  /** How long AwaitDecision waits for a decision before the approval expires. */
  decisionTimeoutSeconds: number;
}

/**
 * Transient Lambda service errors (the request never reached, or never got an answer from,
 * the function): the only ones worth retrying. Function errors (`States.TaskFailed` and
 * whatever `errorType` the function throws) are deliberately absent.
 */
const LAMBDA_SERVICE_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];

/** What the optimized DynamoDB integration raises when a ConditionExpression does not hold. */
const CONDITIONAL_CHECK_FAILED = 'DynamoDB.ConditionalCheckFailedException';

/** Step Functions' own bound on TimeoutSeconds. */
const MAX_TIMEOUT_SECONDS = 99_999_999;

/**
 * The state machine definition. Pure and deterministic: the same options give the same
 * object (and, through `JSON.stringify`, the same text), so deployments do not churn.
 */
export function approvalStateMachineDefinition(options: ApprovalStateMachineOptions): AslDefinition<ApprovalStateName> {
  const { notifierFunctionArn, executorFunctionArn, approvalsTableName, decisionTimeoutSeconds } = options;
  for (const [name, value] of Object.entries({ notifierFunctionArn, executorFunctionArn, approvalsTableName })) {
    if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`approvalStateMachineDefinition: ${name} must be a non-empty string`);
  }
  if (!Number.isInteger(decisionTimeoutSeconds) || decisionTimeoutSeconds < 1 || decisionTimeoutSeconds > MAX_TIMEOUT_SECONDS) {
    throw new RangeError(`approvalStateMachineDefinition: decisionTimeoutSeconds must be an integer in 1..${MAX_TIMEOUT_SECONDS}`);
  }

  return {
    Comment: 'Governed MCP approval: wait for a human decision on a high-risk call, then run it once, or let it expire.',
    StartAt: 'AwaitDecision',
    States: {
      /**
       * Invokes the notifier with the task token and pauses until the API calls
       * SendTaskSuccess ({ decision, approver, decided_at } lands in $.decision) or
       * SendTaskFailure (error ApprovalRejected), or until TimeoutSeconds passes
       * (States.Timeout). The notifier's own return value is ignored. Retrying the notifier
       * on Lambda service errors starts a new wait with a new token, which the notifier
       * records in place of the old one; a timeout or a rejection is never retried.
       */
      AwaitDecision: {
        Type: 'Task',
        Comment: 'Notify the approvers with this task token and wait for SendTaskSuccess / SendTaskFailure, or expire.',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: {
          FunctionName: notifierFunctionArn,
          Payload: {
            'approval_id.$': '$.approval_id',
            'server.$': '$.server',
            'tool.$': '$.tool',
            'expires_at.$': '$.expires_at',
            'execution_arn.$': '$$.Execution.Id',
            'task_token.$': '$$.Task.Token',
          },
        },
        TimeoutSeconds: decisionTimeoutSeconds,
        ResultPath: '$.decision',
        Retry: [{ ErrorEquals: LAMBDA_SERVICE_ERRORS, IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }],
        Catch: [
          { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'MarkExpired' },
          { ErrorEquals: [APPROVAL_REJECTED_ERROR], ResultPath: '$.error', Next: 'Rejected' },
        ],
        Next: 'Decided',
      },
      /**
       * Routes on the delivered decision. Only the exact string "approved" leads to the
       * executor; anything unexpected fails the execution rather than run the call.
       */
      Decided: {
        Type: 'Choice',
        Comment: 'Route on the decision that SendTaskSuccess delivered.',
        Choices: [
          { Variable: '$.decision.decision', StringEquals: 'approved', Next: 'Execute' },
          { Variable: '$.decision.decision', StringEquals: 'rejected', Next: 'Rejected' },
        ],
        Default: 'InvalidDecision',
      },
      /**
       * Invokes the executor with the approval id only; it loads the approved arguments from
       * the store, claims the item (approved → executing, a conditional write) and runs the
       * call. Retried only on Lambda *service* errors, which mean the invocation was
       * throttled or not answered by the Lambda service: never on a function error
       * (States.TaskFailed / States.ALL), because the tool may have run (or half-run) and a
       * high-risk call must not run twice. Even if a service error came after the function
       * ran, the retry finds the item already claimed and does nothing. The executor's
       * result is discarded (ResultPath null) so that tool output stays out of the state.
       */
      Execute: {
        Type: 'Task',
        Comment: 'Run the approved call once (single-use executor); retried only on Lambda service errors.',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: {
          FunctionName: executorFunctionArn,
          Payload: { 'approval_id.$': '$.approval_id' },
        },
        ResultPath: null,
        Retry: [{ ErrorEquals: LAMBDA_SERVICE_ERRORS, IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }],
        Next: 'Done',
      },
      /**
       * The wait timed out: marks the approval expired, but only while it is still pending.
       * The first retrier (MaxAttempts 0) stops a failed condition from being retried, so it
       * goes straight to the Catch: the request was decided just before the timeout and its
       * decision could no longer be delivered, so there is nothing left to do here. Any other
       * failure is retried (the write is idempotent).
       */
      MarkExpired: {
        Type: 'Task',
        Comment: 'Timed out: set status expired, only while still pending.',
        Resource: 'arn:aws:states:::dynamodb:updateItem',
        Parameters: {
          TableName: approvalsTableName,
          Key: { approval_id: { 'S.$': '$.approval_id' } },
          UpdateExpression: 'SET #status = :expired',
          ConditionExpression: 'attribute_exists(approval_id) AND #status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':expired': { S: 'expired' }, ':pending': { S: 'pending' } },
        },
        ResultPath: null,
        Retry: [
          { ErrorEquals: [CONDITIONAL_CHECK_FAILED], MaxAttempts: 0 },
          { ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 },
        ],
        Catch: [{ ErrorEquals: [CONDITIONAL_CHECK_FAILED], ResultPath: '$.error', Next: 'Done' }],
        Next: 'Expired',
      },
      /** The approval expired without a decision; nothing ran. */
      Expired: { Type: 'Succeed', Comment: 'Expired without a decision; nothing ran.' },
      /** Rejected (by SendTaskSuccess with decision "rejected" or by SendTaskFailure ApprovalRejected); nothing ran. */
      Rejected: { Type: 'Succeed', Comment: 'Rejected; nothing ran.' },
      /** A decision other than approved / rejected: fail loudly, run nothing. */
      InvalidDecision: {
        Type: 'Fail',
        Comment: 'The delivered decision was neither approved nor rejected; nothing ran.',
        Error: 'ApprovalWorkflow.InvalidDecision',
        Cause: 'The decision delivered to AwaitDecision was neither "approved" nor "rejected".',
      },
      /** The end of the road: executed, or decided just as the wait timed out. */
      Done: { Type: 'Succeed', Comment: 'Finished: executed, or decided just as the wait timed out.' },
    },
  };
}
