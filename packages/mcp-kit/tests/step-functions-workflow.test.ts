import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { scaledClock, startSfnTestEndpoint, type SfnTestEndpoint } from '@gmcp/local-aws';
import { approvalStateMachineDefinition } from '../src/approvals/approval-state-machine';
import type { ApprovalWorkflow } from '../src/approvals/approval-workflow';
import { ApprovalWorkflowError, createStepFunctionsClient, createStepFunctionsWorkflow } from '../src/approvals/step-functions-workflow';
import { decisionOn, testApprovalRequest } from './support/harness';

const NOTIFIER = 'arn:aws:lambda:us-east-1:000000000000:function:approval-notifier';
const EXECUTOR = 'arn:aws:lambda:us-east-1:000000000000:function:approval-executor';
const TABLE = 'approvals';
const ROLE = 'arn:aws:iam::000000000000:role/approvals';

interface NotifierPayload {
  approval_id: string;
  server: string;
  tool: string;
  expires_at: string;
  execution_arn: string;
  task_token: string;
}

/** Awaits a rejection and returns the ApprovalWorkflowError's reason. */
async function failureReason(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ApprovalWorkflowError);
  return (error as ApprovalWorkflowError).reason;
}

// What every approval workflow does (notify once, run an approval once, never a rejection, one
// workflow per approval) is checked for this adapter and the local one in
// tests/contracts/approval-workflow.contract.test.ts; this file holds what is Step Functions' own.
describe('Step Functions approval workflow (real SFN client, test endpoint running the real definition)', () => {
  let endpoint: SfnTestEndpoint;
  let client: SFNClient;
  let workflow: ApprovalWorkflow;
  let quickWorkflow: ApprovalWorkflow;
  const notifier = jest.fn<Promise<unknown>, [NotifierPayload]>();
  const executor = jest.fn<Promise<unknown>, [{ approval_id: string }]>();
  const updateItem = jest.fn<Promise<unknown>, [Record<string, unknown>]>();

  const deploy = async (name: string, decisionTimeoutSeconds: number) => {
    const definition = approvalStateMachineDefinition({ notifierFunctionArn: NOTIFIER, executorFunctionArn: EXECUTOR, approvalsTableName: TABLE, decisionTimeoutSeconds });
    const { stateMachineArn } = await client.send(new CreateStateMachineCommand({ name, roleArn: ROLE, definition: JSON.stringify(definition) }));
    return stateMachineArn!;
  };
  /** The token the notifier was handed for this approval (what it would record on the item). */
  const tokenFor = async (workflowRef: string) => {
    await endpoint.waitForTask({ executionArn: workflowRef, state: 'AwaitDecision' });
    const calls = notifier.mock.calls.filter(([payload]) => payload.execution_arn === workflowRef);
    expect(calls).toHaveLength(1);
    return calls[0]![0].task_token;
  };

  beforeAll(async () => {
    endpoint = await startSfnTestEndpoint({
      lambdas: { [NOTIFIER]: (payload) => notifier(payload as NotifierPayload), [EXECUTOR]: (payload) => executor(payload as { approval_id: string }) },
      dynamoDb: { updateItem: (input) => updateItem(input) },
      // 1 000 times as fast: the quick machine's 300-second decision timeout passes in 300 ms.
      clock: scaledClock(0.001),
    });
    client = new SFNClient({ region: 'us-east-1', endpoint: endpoint.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    workflow = createStepFunctionsWorkflow({ client, stateMachineArn: await deploy('approvals', 3600) });
    quickWorkflow = createStepFunctionsWorkflow({ client, stateMachineArn: await deploy('approvals-quick', 300) });
  });

  beforeEach(() => {
    notifier.mockReset().mockResolvedValue({ notified: true });
    executor.mockReset().mockResolvedValue({ status: 'executed' });
    updateItem.mockReset().mockResolvedValue({});
  });

  afterAll(async () => {
    client.destroy();
    await endpoint.stop();
  });

  it('approval: the notifier gets the token and no arguments, the decision resumes the execution through Execute, a spent token is refused before the executor', async () => {
    const request = testApprovalRequest();
    const { workflowRef } = await workflow.start(request);
    expect(workflowRef).toBe(`arn:aws:states:us-east-1:000000000000:execution:approvals:${request.approval_id}`);

    const token = await tokenFor(workflowRef);
    expect(notifier).toHaveBeenCalledWith({
      approval_id: request.approval_id,
      server: 'ops',
      tool: 'restart_service',
      expires_at: request.expires_at,
      execution_arn: workflowRef,
      task_token: token,
    });
    // The execution (and so its history) holds no arguments.
    const described = await client.send(new DescribeExecutionCommand({ executionArn: workflowRef }));
    expect(JSON.parse(described.input!)).toEqual({ approval_id: request.approval_id, server: 'ops', tool: 'restart_service', expires_at: request.expires_at });

    await workflow.deliver(decisionOn(request, 'approved'), token);
    const ended = await endpoint.waitForExecution(workflowRef);
    expect(ended.status).toBe('SUCCEEDED');
    expect(JSON.parse(ended.output!).decision).toEqual({ decision: 'approved', approver: 'bob', decided_at: '2030-01-01T01:00:00.000Z' });
    expect(executor).toHaveBeenCalledWith({ approval_id: request.approval_id });
    expect(endpoint.visitedStates(workflowRef)).toEqual(['AwaitDecision', 'Decided', 'Execute', 'Done']);
    expect(updateItem).not.toHaveBeenCalled();

    // The token is spent: a second delivery is refused by Step Functions itself, and the executor is not invoked again.
    expect(await failureReason(workflow.deliver(decisionOn(request, 'approved'), token))).toBe('task_timed_out');
    expect(executor).toHaveBeenCalledTimes(1);
  });

  it('rejection: SendTaskFailure ApprovalRejected with the reason as cause ends the execution in Rejected', async () => {
    const request = testApprovalRequest();
    const { workflowRef } = await workflow.start(request);
    await workflow.deliver(decisionOn(request, 'rejected', 'Not during the freeze'), await tokenFor(workflowRef));
    const ended = await endpoint.waitForExecution(workflowRef);
    expect(ended.status).toBe('SUCCEEDED');
    expect(JSON.parse(ended.output!).error).toEqual({ Error: 'ApprovalRejected', Cause: 'Not during the freeze' });
    expect(endpoint.visitedStates(workflowRef)).toEqual(['AwaitDecision', 'Rejected']);
  });

  it('expiry: the wait times out, the approval is marked expired while pending, the executor never runs', async () => {
    const request = testApprovalRequest();
    const { workflowRef } = await quickWorkflow.start(request);
    const token = await tokenFor(workflowRef);
    const ended = await endpoint.waitForExecution(workflowRef);
    expect(ended.status).toBe('SUCCEEDED');
    expect(endpoint.visitedStates(workflowRef)).toEqual(['AwaitDecision', 'MarkExpired', 'Expired']);
    expect(updateItem).toHaveBeenCalledTimes(1);
    expect(updateItem).toHaveBeenCalledWith({
      TableName: TABLE,
      Key: { approval_id: { S: request.approval_id } },
      UpdateExpression: 'SET #status = :expired',
      ConditionExpression: 'attribute_exists(approval_id) AND #status = :pending',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':expired': { S: 'expired' }, ':pending': { S: 'pending' } },
    });
    expect(executor).not.toHaveBeenCalled();
    // A decision that arrives too late is refused in terms the caller can report.
    const late = await failureReason(quickWorkflow.deliver(decisionOn(request, 'approved'), token));
    expect(late).toBe('task_timed_out');
    expect(executor).not.toHaveBeenCalled();
  });

  it('expiry racing a decision: a failed condition (decided meanwhile) ends the execution as Done, once, without running anything', async () => {
    updateItem.mockRejectedValue(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    const { workflowRef } = await quickWorkflow.start(testApprovalRequest());
    const ended = await endpoint.waitForExecution(workflowRef);
    expect(ended.status).toBe('SUCCEEDED');
    expect(endpoint.visitedStates(workflowRef)).toEqual(['AwaitDecision', 'MarkExpired', 'Done']);
    expect(updateItem).toHaveBeenCalledTimes(1);
    expect(executor).not.toHaveBeenCalled();
  });

  it('starting twice with the same approval id waits once, before and after the execution ends', async () => {
    const request = testApprovalRequest();
    const first = await workflow.start(request);
    await workflow.start(request);
    await endpoint.waitForTask({ executionArn: first.workflowRef });
    expect(endpoint.waitingTasks().filter((task) => task.executionArn === first.workflowRef)).toHaveLength(1);
    expect(notifier).toHaveBeenCalledTimes(1);

    // Closed: Step Functions answers ExecutionAlreadyExists, and start describes the existing one.
    await workflow.deliver(decisionOn(request, 'rejected'), await tokenFor(first.workflowRef));
    await endpoint.waitForExecution(first.workflowRef);
    const sharedConfigClient = createStepFunctionsClient({ region: 'us-east-1', endpoint: endpoint.endpoint });
    const viaSharedConfig = createStepFunctionsWorkflow({ client: sharedConfigClient, stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:approvals' });
    expect(await viaSharedConfig.start(request)).toEqual(first);
    sharedConfigClient.destroy();
    expect(notifier).toHaveBeenCalledTimes(1);
    expect(executor).not.toHaveBeenCalled();

    // The same id for a different request is a conflict, not a silent reuse.
    expect(await failureReason(workflow.start({ ...request, tool: 'drop_table' }))).toBe('execution_conflict');
  });

  it('a token the service does not know is refused with ApprovalWorkflowError', async () => {
    const request = testApprovalRequest();
    expect(await failureReason(workflow.deliver(decisionOn(request, 'approved'), 'not-a-task-token'))).toBe('invalid_token');
    expect(await failureReason(workflow.deliver(decisionOn(request, 'rejected', 'no'), 'not-a-task-token'))).toBe('invalid_token');
    expect(executor).not.toHaveBeenCalled();
  });

  it('refuses a state machine ARN it cannot derive execution ARNs from', () => {
    expect(() => createStepFunctionsWorkflow({ client, stateMachineArn: 'approvals' })).toThrow(TypeError);
  });
});
