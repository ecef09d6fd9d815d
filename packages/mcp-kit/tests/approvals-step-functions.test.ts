import { UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { scaledClock, startLocalDynamoDb, startSfnTestEndpoint, startSnsTestEndpoint, type LocalDynamoDb, type SfnTestEndpoint, type SnsTestEndpoint } from '@gmcp/local-aws';
import { SNSClient } from '@aws-sdk/client-sns';
import { createSnsApproverNotifier } from '../src/approvals/sns-approver-notifier';
import { runNotifierTask, type NotifierTaskInput } from '../src/approvals/workflow-tasks';
import { createDynamoDbClient, ensureTables } from '../src/aws/clients';
import { createAuditTrail } from '../src/audit/audit-trail';
import { auditTableDefinition } from '../src/audit/audit-table';
import { createDynamoDbAuditStore } from '../src/audit/dynamodb-audit-store';
import { createRecordSigner } from '../src/audit/signer';
import { createLogger } from '../src/logging/logger';
import { createMemoryMetrics } from '../src/metrics/memory-metrics';
import { createDecisionSigner } from '../src/approvals/approval-signer';
import { approvalStateMachineDefinition } from '../src/approvals/approval-state-machine';
import { createApprovals, type Approvals } from '../src/approvals/approvals';
import { approvalTableDefinition, createDynamoDbApprovalStore } from '../src/approvals/dynamodb-approval-store';
import { createStepFunctionsWorkflow } from '../src/approvals/step-functions-workflow';
import type { Actor } from '../src/auth/actor';

const NOTIFIER = 'arn:aws:lambda:us-east-1:000000000000:function:approval-notifier';
const EXECUTOR = 'arn:aws:lambda:us-east-1:000000000000:function:approval-executor';
const TOPIC = 'arn:aws:sns:us-east-1:000000000000:gmcp-approvers';
const actor = (subject: string): Actor => ({ subject, clientId: 'test', scopes: new Set(), issuer: 'test', expiresAt: 0 });

/**
 * The AWS shape end to end: the approvals module on DynamoDB (dynalite), the real state
 * machine definition on the Step Functions test endpoint (real SFN client), the notifier
 * task recording the token through the module, the executor task running the approved
 * call, and MarkExpired's updateItem sent to DynamoDB as Step Functions would.
 */
describe('approvals through the Step Functions state machine', () => {
  let dynamodb: LocalDynamoDb;
  let endpoint: SfnTestEndpoint;
  let sns: SnsTestEndpoint;
  let snsClient: SNSClient;
  let sfn: SFNClient;
  let approvals: Approvals;
  let notifierDelayMs = 0;
  const runs: string[] = [];

  beforeAll(async () => {
    dynamodb = await startLocalDynamoDb();
    const client = createDynamoDbClient({ region: 'local', endpoint: dynamodb.endpoint });
    await ensureTables(client, [approvalTableDefinition('approvals'), auditTableDefinition('audit')]);
    sns = await startSnsTestEndpoint({ topics: [TOPIC] });
    snsClient = new SNSClient({ region: 'us-east-1', endpoint: sns.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const notifier = createSnsApproverNotifier({ client: snsClient, topicArn: TOPIC });
    endpoint = await startSfnTestEndpoint({
      lambdas: {
        [NOTIFIER]: async (payload) => {
          await new Promise((resolve) => setTimeout(resolve, notifierDelayMs));
          return runNotifierTask(payload as NotifierTaskInput, approvals, notifier);
        },
        [EXECUTOR]: async (payload) => {
          await approvals.execute((payload as { approval_id: string }).approval_id, async (request) => {
            runs.push(request.approval_id);
            return { ok: true, result: '{"done":true}' };
          });
          return { status: 'done' };
        },
      },
      dynamoDb: { updateItem: async (input) => client.send(new UpdateItemCommand(input as unknown as UpdateItemCommandInput)) },
      clock: scaledClock(0.001),
    });
    sfn = new SFNClient({ region: 'us-east-1', endpoint: endpoint.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const definition = approvalStateMachineDefinition({ notifierFunctionArn: NOTIFIER, executorFunctionArn: EXECUTOR, approvalsTableName: 'approvals', decisionTimeoutSeconds: 600 });
    const { stateMachineArn } = await sfn.send(new CreateStateMachineCommand({ name: 'approvals', roleArn: 'arn:aws:iam::000000000000:role/approvals', definition: JSON.stringify(definition) }));
    const logger = createLogger('test', 'SILENT');
    approvals = createApprovals({
      server: 'ops-writer',
      store: createDynamoDbApprovalStore(client, 'approvals'),
      workflow: createStepFunctionsWorkflow({ client: sfn, stateMachineArn: stateMachineArn! }),
      signer: createDecisionSigner(Buffer.alloc(32, 3)),
      audit: createAuditTrail({ server: 'ops-writer', serverVersion: '1', store: createDynamoDbAuditStore(client, 'audit'), signer: createRecordSigner(Buffer.alloc(32, 4)), metrics: createMemoryMetrics(), logger }),
      auditStore: createDynamoDbAuditStore(client, 'audit'),
      auditSigner: createRecordSigner(Buffer.alloc(32, 4)),
      logger,
      // 600 s of the state machine's clock is 600 ms here; the module's own expiry stays longer.
      ttlSeconds: 3600,
    });
  });
  afterAll(async () => {
    sfn.destroy();
    snsClient.destroy();
    await sns.stop();
    await endpoint.stop();
    await dynamodb.stop();
  });

  const request = () => approvals.request({ tool: 'resolve_incident', input: { incident_id: 'INC-2031' }, actor: actor('alice'), requestId: 'r' });
  const settled = async (approvalId: string) => endpoint.waitForExecution((await approvals.status(approvalId))!.workflow_ref!);

  it('runs the approved call once, through the executor task, when the token was recorded first', async () => {
    const { approval_id } = await request();
    await endpoint.waitForTask({ state: 'AwaitDecision', executionArn: (await approvals.status(approval_id))!.workflow_ref! });
    await approvals.decide(approval_id, { approver: actor('bob'), decision: 'approved', reason: null, requestId: 'r2' });
    expect((await settled(approval_id)).status).toBe('SUCCEEDED');
    expect(runs.filter((id) => id === approval_id)).toHaveLength(1);
    expect((await approvals.status(approval_id))!.status).toBe('executed');
    // The approvers heard of it once, through SNS, without the arguments.
    const notices = sns.published.filter((notice) => notice.attributes.approval_id === approval_id);
    expect(notices).toEqual([expect.objectContaining({ topicArn: TOPIC, subject: 'Approval needed: resolve_incident on ops-writer', attributes: { approval_id, server: 'ops-writer', tool: 'resolve_incident' } })]);
    expect(notices[0]!.message).not.toContain('INC-2031');
  });

  it('does not lose a decision made before the notifier recorded the token', async () => {
    notifierDelayMs = 150;
    try {
      const { approval_id } = await request();
      const decided = await approvals.decide(approval_id, { approver: actor('bob'), decision: 'approved', reason: null, requestId: 'r2' });
      expect(decided.status).toBe('approved');
      expect((await settled(approval_id)).status).toBe('SUCCEEDED');
      expect(runs.filter((id) => id === approval_id)).toHaveLength(1);
      // Decided before anyone was told: nobody is asked for a decision already made.
      expect(sns.published.filter((notice) => notice.attributes.approval_id === approval_id)).toEqual([]);
    } finally {
      notifierDelayMs = 0;
    }
  });

  it('ends a rejected request without running it', async () => {
    const { approval_id } = await request();
    await endpoint.waitForTask({ state: 'AwaitDecision', executionArn: (await approvals.status(approval_id))!.workflow_ref! });
    await approvals.decide(approval_id, { approver: actor('bob'), decision: 'rejected', reason: 'not yet', requestId: 'r2' });
    expect((await settled(approval_id)).status).toBe('SUCCEEDED');
    expect(runs).not.toContain(approval_id);
    expect((await approvals.status(approval_id))!.status).toBe('rejected');
  });

  it('marks an undecided request expired when the wait times out, in DynamoDB, and never runs it', async () => {
    const { approval_id } = await request();
    const execution = await settled(approval_id);
    expect(endpoint.visitedStates(execution.executionArn)).toEqual(['AwaitDecision', 'MarkExpired', 'Expired']);
    expect((await approvals.status(approval_id))!.status).toBe('expired');
    expect(runs).not.toContain(approval_id);
  });
});
