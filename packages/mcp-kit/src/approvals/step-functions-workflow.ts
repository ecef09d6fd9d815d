import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { awsClientConfig, type AwsClientOptions } from '../aws/clients';
import type { ApprovalDecision, ApprovalRequest } from './approval-request';
import { APPROVAL_REJECTED_ERROR } from './approval-state-machine';
import { ApprovalWorkflowError, type ApprovalWorkflow, type ApprovalWorkflowFailure } from './approval-workflow';

export { ApprovalWorkflowError, type ApprovalWorkflowFailure } from './approval-workflow';

const FAILURE_BY_SDK_ERROR: Readonly<Record<string, ApprovalWorkflowFailure>> = {
  TaskTimedOut: 'task_timed_out',
  TaskDoesNotExist: 'task_not_found',
  InvalidToken: 'invalid_token',
};

export interface StepFunctionsWorkflowOptions {
  client: SFNClient;
  /** The approval state machine (see `approvalStateMachineDefinition`); STANDARD type. */
  stateMachineArn: string;
}

/** An SFN client with the platform's shared configuration (region, bounded request time, local endpoint). */
export function createStepFunctionsClient(options: AwsClientOptions): SFNClient {
  return new SFNClient({ ...awsClientConfig(options), maxAttempts: 2 });
}

/**
 * The approval workflow on Step Functions. One execution per approval, named after the
 * approval id, so starting twice cannot wait twice: for a STANDARD state machine a second
 * StartExecution with the same name and input returns the running execution, and otherwise
 * fails with ExecutionAlreadyExists, which is answered here by describing the existing one.
 */
export function createStepFunctionsWorkflow({ client, stateMachineArn }: StepFunctionsWorkflowOptions): ApprovalWorkflow {
  const executionPrefix = executionArnPrefix(stateMachineArn);

  return {
    async start(request: ApprovalRequest) {
      const input = executionInput(request);
      try {
        const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, name: request.approval_id, input }));
        if (!executionArn) throw new Error('StartExecution answered without an executionArn');
        return { workflowRef: executionArn };
      } catch (error) {
        if (errorName(error) !== 'ExecutionAlreadyExists') throw error;
        // Same name, and a different input or a closed execution: look at the one that exists.
        const executionArn = `${executionPrefix}${request.approval_id}`;
        const existing = await client.send(new DescribeExecutionCommand({ executionArn }));
        if (existing.input !== undefined && !sameInput(existing.input, input)) throw new ApprovalWorkflowError('execution_conflict', { cause: error });
        return { workflowRef: existing.executionArn ?? executionArn };
      }
    },

    async deliver(decision: ApprovalDecision, taskToken: string) {
      try {
        if (decision.decision === 'approved') {
          const output = JSON.stringify({ decision: decision.decision, approver: decision.approver, decided_at: decision.decided_at });
          await client.send(new SendTaskSuccessCommand({ taskToken, output }));
        } else {
          await client.send(new SendTaskFailureCommand({ taskToken, error: APPROVAL_REJECTED_ERROR, cause: decision.reason ?? undefined }));
        }
      } catch (error) {
        const reason = FAILURE_BY_SDK_ERROR[errorName(error)];
        if (reason) throw new ApprovalWorkflowError(reason, { cause: error });
        throw error;
      }
    },
  };
}

/** The execution input: what identifies the request, never its arguments. Fixed key order. */
function executionInput(request: ApprovalRequest): string {
  return JSON.stringify({ approval_id: request.approval_id, server: request.server, tool: request.tool, expires_at: request.expires_at });
}

function sameInput(existing: string, expected: string): boolean {
  try {
    const a = JSON.parse(existing) as Record<string, unknown>;
    const b = JSON.parse(expected) as Record<string, unknown>;
    return ['approval_id', 'server', 'tool', 'expires_at'].every((key) => a[key] === b[key]);
  } catch {
    return false;
  }
}

/**
 * `arn:<partition>:states:<region>:<account>:stateMachine:<name>[:<version or alias>]` →
 * `arn:<partition>:states:<region>:<account>:execution:<name>:`; an execution's ARN is that
 * prefix and its name.
 */
function executionArnPrefix(stateMachineArn: string): string {
  const parts = stateMachineArn.split(':');
  if (parts.length < 7 || parts[0] !== 'arn' || parts[2] !== 'states' || parts[5] !== 'stateMachine' || !parts[6]) {
    throw new TypeError(`Not a state machine ARN: ${stateMachineArn}`);
  }
  return `${parts.slice(0, 5).join(':')}:execution:${parts[6]}:`;
}

/** The modelled error's name; by name rather than class so that a second SDK copy still matches. */
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}
