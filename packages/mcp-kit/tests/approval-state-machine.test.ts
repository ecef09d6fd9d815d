import { createRequire } from 'node:module';
import {
  approvalStateMachineDefinition,
  type AslChoiceState,
  type AslDefinition,
  type AslTaskState,
  type ApprovalStateName,
} from '../src/approvals/approval-state-machine';

/** asl-validator ships no type declarations; this is its documented signature. */
type AslValidator = (definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }) => { isValid: boolean; errorsText(separator?: string): string };
const aslValidator = createRequire(__filename)('asl-validator') as AslValidator;

const options = {
  notifierFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:gmcp-approval-notifier',
  executorFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:gmcp-approval-executor',
  approvalsTableName: 'gmcp-approvals',
  decisionTimeoutSeconds: 86_400,
};

/** The validator writes defaults (QueryLanguage) into what it is given: validate a copy. */
const validate = (definition: unknown) => aslValidator(structuredClone(definition));

describe('approval state machine definition', () => {
  const definition: AslDefinition<ApprovalStateName> = approvalStateMachineDefinition(options);
  const task = (name: ApprovalStateName) => definition.States[name] as AslTaskState;

  it('passes asl-validator with its default checks (schema, paths, ARNs, transitions, terminal states)', () => {
    const result = validate(definition);
    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
    // ... and the validator is not a rubber stamp: a dangling transition fails it.
    const broken = structuredClone(definition) as unknown as { States: Record<string, unknown> };
    delete broken.States.Done;
    expect(validate(broken).isValid).toBe(false);
  });

  it('is deterministic and documents every state', () => {
    expect(JSON.stringify(approvalStateMachineDefinition({ ...options }))).toBe(JSON.stringify(definition));
    expect(definition.StartAt).toBe('AwaitDecision');
    for (const [name, state] of Object.entries(definition.States)) expect([name, typeof state.Comment]).toEqual([name, 'string']);
  });

  it('waits for a task token: the notifier gets $$.Task.Token, the timeout leads to MarkExpired, a rejection to Rejected', () => {
    const wait = task('AwaitDecision');
    expect(wait.Resource.endsWith('.waitForTaskToken')).toBe(true);
    expect(wait.Parameters).toEqual({
      FunctionName: options.notifierFunctionArn,
      Payload: {
        'approval_id.$': '$.approval_id',
        'server.$': '$.server',
        'tool.$': '$.tool',
        'expires_at.$': '$.expires_at',
        'execution_arn.$': '$$.Execution.Id',
        'task_token.$': '$$.Task.Token',
      },
    });
    expect(wait.TimeoutSeconds).toBe(options.decisionTimeoutSeconds);
    expect(wait).not.toHaveProperty('HeartbeatSeconds');
    expect(wait.ResultPath).toBe('$.decision');
    expect(wait.Catch).toEqual([
      { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'MarkExpired' },
      { ErrorEquals: ['ApprovalRejected'], ResultPath: '$.error', Next: 'Rejected' },
    ]);
    // A retry must never restart the wait after a timeout or a rejection.
    const retried = (wait.Retry ?? []).flatMap((retrier) => retrier.ErrorEquals);
    expect(retried.every((name) => name.startsWith('Lambda.'))).toBe(true);
  });

  it('runs the executor only on exactly "approved", and fails on any other decision', () => {
    const decided = definition.States.Decided as AslChoiceState;
    expect(decided.Choices).toEqual([
      { Variable: '$.decision.decision', StringEquals: 'approved', Next: 'Execute' },
      { Variable: '$.decision.decision', StringEquals: 'rejected', Next: 'Rejected' },
    ]);
    expect(decided.Default).toBe('InvalidDecision');
    expect(definition.States.InvalidDecision.Type).toBe('Fail');
    expect(definition.States.Rejected.Type).toBe('Succeed');
  });

  it('invokes the executor with the approval id only, retrying Lambda service errors and never a task failure', () => {
    const execute = task('Execute');
    expect(execute.Resource).toBe('arn:aws:states:::lambda:invoke');
    expect(execute.Parameters).toEqual({ FunctionName: options.executorFunctionArn, Payload: { 'approval_id.$': '$.approval_id' } });
    expect(execute.ResultPath).toBeNull();
    const retried = (execute.Retry ?? []).flatMap((retrier) => retrier.ErrorEquals);
    expect(retried.length).toBeGreaterThan(0);
    expect(retried).not.toContain('States.TaskFailed');
    expect(retried).not.toContain('States.ALL');
    expect(retried).not.toContain('States.Timeout');
    expect(retried.every((name) => name.startsWith('Lambda.'))).toBe(true);
    expect(execute.Catch).toBeUndefined();
    expect(execute.Next).toBe('Done');
  });

  it('marks an expired approval only while it is pending, and treats a lost race as done', () => {
    const mark = task('MarkExpired');
    expect(mark.Resource).toBe('arn:aws:states:::dynamodb:updateItem');
    expect(mark.Parameters).toMatchObject({
      TableName: options.approvalsTableName,
      Key: { approval_id: { 'S.$': '$.approval_id' } },
      UpdateExpression: 'SET #status = :expired',
      ConditionExpression: 'attribute_exists(approval_id) AND #status = :pending',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':expired': { S: 'expired' }, ':pending': { S: 'pending' } },
    });
    // The failed condition is matched first with MaxAttempts 0, so it goes straight to the Catch.
    expect(mark.Retry?.[0]).toEqual({ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], MaxAttempts: 0 });
    expect(mark.Catch).toEqual([{ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], ResultPath: '$.error', Next: 'Done' }]);
    expect(mark.Next).toBe('Expired');
  });

  it('never refers to the call arguments', () => {
    expect(JSON.stringify(definition)).not.toMatch(/arguments/);
  });

  it('refuses options that would deploy a broken machine', () => {
    expect(() => approvalStateMachineDefinition({ ...options, decisionTimeoutSeconds: 0 })).toThrow(RangeError);
    expect(() => approvalStateMachineDefinition({ ...options, decisionTimeoutSeconds: 1.5 })).toThrow(RangeError);
    expect(() => approvalStateMachineDefinition({ ...options, executorFunctionArn: ' ' })).toThrow(TypeError);
  });
});
