import { CreateStateMachineCommand } from '@aws-sdk/client-sfn';
import { startSfnTestEndpoint } from '@gmcp/local-aws';
import type { ApprovalRequest } from '../../src/approvals/approval-request';
import { approvalStateMachineDefinition } from '../../src/approvals/approval-state-machine';
import type { ApprovalWorkflow } from '../../src/approvals/approval-workflow';
import { createLocalWorkflow } from '../../src/approvals/local-workflow';
import { createStepFunctionsClient, createStepFunctionsWorkflow } from '../../src/approvals/step-functions-workflow';
import { decisionOn, testApprovalRequest } from '../support/harness';

/** What approvers were told: the approval, and the token when the workflow hands it to them (Step Functions). */
interface Notice {
  approvalId: string;
  taskToken?: string;
}

/** What a workflow is wired to, as the service wires it: the approvers' channel and the approved call's runner. */
interface Wiring {
  notify(notice: Notice): void;
  execute(approvalId: string): Promise<unknown>;
}

interface RunningWorkflow {
  adapter: ApprovalWorkflow;
  /** Resolves once the approvers of a started workflow have been told (at once locally; when the execution waits, on Step Functions). */
  notified(workflowRef: string): Promise<void>;
  /** Resolves once what a delivered decision set off has finished (the execution has ended, on Step Functions). */
  settled(workflowRef: string): Promise<void>;
  stop(): Promise<void>;
}

interface WorkflowAdapter {
  name: string;
  /** Starts the adapter (and its peer, on 127.0.0.1 with an ephemeral port). */
  start(wiring: Wiring): Promise<RunningWorkflow>;
}

const NOTIFIER = 'arn:aws:lambda:us-east-1:000000000000:function:approval-notifier';
const EXECUTOR = 'arn:aws:lambda:us-east-1:000000000000:function:approval-executor';

const adapters: WorkflowAdapter[] = [
  {
    name: 'local (in process)',
    start: async (wiring) => ({
      adapter: createLocalWorkflow((approvalId) => wiring.execute(approvalId), { notify: async (request) => wiring.notify({ approvalId: request.approval_id }) }),
      notified: async () => undefined,
      settled: async () => undefined,
      stop: async () => undefined,
    }),
  },
  {
    name: 'Step Functions (test endpoint running the real definition, the real SFN client)',
    start: async (wiring) => {
      const endpoint = await startSfnTestEndpoint({
        lambdas: {
          // As runNotifierTask does: the token is recorded, the approvers told.
          [NOTIFIER]: (payload) => {
            const { approval_id, task_token } = payload as { approval_id: string; task_token: string };
            wiring.notify({ approvalId: approval_id, taskToken: task_token });
            return { approval_id, state: 'waiting' };
          },
          [EXECUTOR]: (payload) => wiring.execute((payload as { approval_id: string }).approval_id),
        },
        dynamoDb: { updateItem: async () => ({}) },
      });
      const client = createStepFunctionsClient({ region: 'us-east-1', endpoint: endpoint.endpoint });
      const definition = approvalStateMachineDefinition({ notifierFunctionArn: NOTIFIER, executorFunctionArn: EXECUTOR, approvalsTableName: 'approvals', decisionTimeoutSeconds: 3600 });
      const { stateMachineArn } = await client.send(new CreateStateMachineCommand({ name: 'approvals', roleArn: 'arn:aws:iam::000000000000:role/approvals', definition: JSON.stringify(definition) }));
      return {
        adapter: createStepFunctionsWorkflow({ client, stateMachineArn: stateMachineArn! }),
        notified: async (workflowRef) => void (await endpoint.waitForTask({ executionArn: workflowRef, state: 'AwaitDecision' })),
        settled: async (workflowRef) => void (await endpoint.waitForExecution(workflowRef)),
        stop: async () => {
          client.destroy();
          await endpoint.stop();
        },
      };
    },
  },
];

describe.each(adapters)('$name approval workflow', (candidate) => {
  let running: RunningWorkflow;
  let workflow: ApprovalWorkflow;
  const notices: Notice[] = [];
  /** Every call the workflow made to the executor, and the ones that ran the approved call. */
  const invoked: string[] = [];
  const ran: string[] = [];

  beforeAll(async () => {
    running = await candidate.start({
      notify: (notice) => void notices.push(notice),
      // Single use, as the service's executor is (it claims the approved request before running it).
      execute: async (approvalId) => {
        invoked.push(approvalId);
        if (ran.includes(approvalId)) throw new Error(`Approval ${approvalId} has already been used`);
        ran.push(approvalId);
        return { status: 'executed' };
      },
    });
    workflow = running.adapter;
  });
  afterAll(() => running.stop());

  const of = (list: readonly string[], request: ApprovalRequest) => list.filter((approvalId) => approvalId === request.approval_id);
  const noticesOf = (request: ApprovalRequest) => notices.filter((notice) => notice.approvalId === request.approval_id);
  /** Starts the workflow and returns, besides its reference, the token its decision is delivered with. */
  const begin = async (request: ApprovalRequest) => {
    const started = await workflow.start(request);
    await running.notified(started.workflowRef);
    const token = started.taskToken ?? noticesOf(request)[0]?.taskToken;
    if (token === undefined) throw new Error(`No task token for ${request.approval_id}: start returned none and the approvers were handed none`);
    return { workflowRef: started.workflowRef, token };
  };

  it('on start, tells the approvers of the request once, hands out the decision\'s token, and runs nothing', async () => {
    const request = testApprovalRequest();
    const { workflowRef, token } = await begin(request);
    expect(workflowRef).toContain(request.approval_id);
    expect(token).not.toBe('');
    expect(noticesOf(request)).toHaveLength(1);
    expect(of(invoked, request)).toEqual([]);
  });

  it('runs the approved call exactly once when an approval is delivered with the token', async () => {
    const request = testApprovalRequest();
    const { workflowRef, token } = await begin(request);
    await workflow.deliver(decisionOn(request, 'approved'), token);
    await running.settled(workflowRef);
    expect(of(invoked, request)).toEqual([request.approval_id]);
    expect(of(ran, request)).toEqual([request.approval_id]);
  });

  it('refuses a second delivery of the approval, and does not run the call again', async () => {
    const request = testApprovalRequest();
    const { workflowRef, token } = await begin(request);
    await workflow.deliver(decisionOn(request, 'approved'), token);
    await running.settled(workflowRef);
    await expect(workflow.deliver(decisionOn(request, 'approved'), token)).rejects.toThrow();
    expect(of(ran, request)).toEqual([request.approval_id]);
  });

  it('ends the wait on a rejection and never runs the call, however often the rejection is delivered', async () => {
    const request = testApprovalRequest();
    const { workflowRef, token } = await begin(request);
    await workflow.deliver(decisionOn(request, 'rejected', 'Not during the freeze'), token);
    await running.settled(workflowRef);
    // Refused (Step Functions: the task is gone) or ignored (local): either way nothing runs.
    await workflow.deliver(decisionOn(request, 'rejected', 'Not during the freeze'), token).catch(() => undefined);
    expect(of(invoked, request)).toEqual([]);
  });

  it('answers a second start of the same approval with the same workflow, whose one decision runs the call once', async () => {
    const request = testApprovalRequest();
    const first = await workflow.start(request);
    expect(await workflow.start(request)).toEqual(first);
    const { workflowRef, token } = await begin(request);
    expect(workflowRef).toBe(first.workflowRef);
    await workflow.deliver(decisionOn(request, 'approved'), token);
    await running.settled(workflowRef);
    expect(of(ran, request)).toEqual([request.approval_id]);
  });
});
