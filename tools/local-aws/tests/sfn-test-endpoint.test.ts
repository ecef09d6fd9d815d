import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidArn,
  InvalidDefinition,
  InvalidExecutionInput,
  InvalidName,
  InvalidOutput,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  StateMachineAlreadyExists,
  StateMachineDoesNotExist,
  StateMachineTypeNotSupported,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { scaledClock, startSfnTestEndpoint, type SfnTestEndpoint } from '../src';

const ROLE = 'arn:aws:iam::000000000000:role/sfn';
const NOTIFY = 'arn:aws:lambda:us-east-1:000000000000:function:notify';
const WORK = 'arn:aws:lambda:us-east-1:000000000000:function:work';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Awaits a rejection and checks the SDK raised the modelled exception class (and, if given, the message). */
async function expectFailure(promise: Promise<unknown>, type: abstract new (...args: never[]) => Error, message?: string | RegExp): Promise<Error> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(type);
  if (typeof message === 'string') expect((error as Error).message).toBe(message);
  else if (message) expect((error as Error).message).toMatch(message);
  return error as Error;
}

/** A wait-for-token task, then a choice on what came back. */
const waitingMachine = (timeoutSeconds = 3600) => ({
  StartAt: 'Wait',
  States: {
    Wait: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: NOTIFY, Payload: { 'id.$': '$.id', 'token.$': '$$.Task.Token', 'execution.$': '$$.Execution.Id' } },
      TimeoutSeconds: timeoutSeconds,
      HeartbeatSeconds: timeoutSeconds,
      ResultPath: '$.answer',
      Catch: [
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'TimedOut' },
        { ErrorEquals: ['Nope'], ResultPath: '$.error', Next: 'Refused' },
      ],
      Next: 'Route',
    },
    Route: {
      Type: 'Choice',
      Choices: [{ Variable: '$.answer.verdict', StringEquals: 'yes', Next: 'Work' }],
      Default: 'Refused',
    },
    Work: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: WORK, Payload: { 'id.$': '$.id' } },
      ResultSelector: { 'result.$': '$.Payload' },
      ResultPath: '$.work',
      Retry: [{ ErrorEquals: ['Lambda.TooManyRequestsException'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2 }],
      End: true,
    },
    TimedOut: { Type: 'Succeed' },
    Refused: { Type: 'Fail', Error: 'Refused', Cause: 'The answer was not yes' },
  },
});

describe('Step Functions test endpoint', () => {
  let endpoint: SfnTestEndpoint;
  let client: SFNClient;
  const work = jest.fn<Promise<unknown>, [unknown]>();
  const updateItem = jest.fn<Promise<unknown>, [Record<string, unknown>]>();
  let machines = 0;

  const create = async (definition: unknown, name = `machine-${++machines}`) =>
    (await client.send(new CreateStateMachineCommand({ name, roleArn: ROLE, definition: JSON.stringify(definition) }))).stateMachineArn!;
  const start = async (stateMachineArn: string, input: unknown, name?: string) =>
    (await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }))).executionArn!;
  const describe_ = (executionArn: string) => client.send(new DescribeExecutionCommand({ executionArn }));

  beforeAll(async () => {
    endpoint = await startSfnTestEndpoint({
      lambdas: { [NOTIFY]: async () => ({ notified: true }), work: (payload) => work(payload) },
      dynamoDb: { updateItem: (input) => updateItem(input) },
      clock: scaledClock(0.001),
    });
    client = new SFNClient({ region: 'us-east-1', endpoint: endpoint.endpoint, credentials, maxAttempts: 1 });
  });

  beforeEach(() => {
    work.mockReset().mockResolvedValue({ done: true });
    updateItem.mockReset().mockResolvedValue({ $metadata: {} });
  });

  afterAll(async () => {
    client.destroy();
    await endpoint.stop();
  });

  describe('protocol', () => {
    const post = (headers: Record<string, string>, body = '{}') =>
      fetch(endpoint.endpoint, { method: 'POST', headers: { authorization: 'AWS4-HMAC-SHA256 Credential=test', ...headers }, body });

    it('routes by X-Amz-Target and answers in application/x-amz-json-1.0', async () => {
      const before = endpoint.requests.length;
      await expectFailure(describe_('arn:aws:states:us-east-1:000000000000:execution:none:none'), ExecutionDoesNotExist);
      expect(endpoint.requests.slice(before)).toEqual([{ operation: 'DescribeExecution' }]);

      const response = await post({ 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.DescribeExecution' }, JSON.stringify({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:none:none' }));
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.0');
      expect(response.headers.get('x-amzn-requestid')).toBeTruthy();
      expect(await response.json()).toEqual({ __type: 'ExecutionDoesNotExist', message: "Execution Does Not Exist: 'arn:aws:states:us-east-1:000000000000:execution:none:none'" });
    });

    it('refuses a missing or foreign target, another content type, an unsigned request and a body that is not JSON', async () => {
      const json = { 'content-type': 'application/x-amz-json-1.0' };
      const cases: [Record<string, string>, string, number, string][] = [
        [json, '{}', 400, 'UnknownOperationException'],
        [{ ...json, 'x-amz-target': 'AmazonSSM.GetParameter' }, '{}', 400, 'UnknownOperationException'],
        [{ ...json, 'x-amz-target': 'AWSStepFunctions.ListActivities' }, '{}', 400, 'UnknownOperationException'],
        [{ 'content-type': 'application/json', 'x-amz-target': 'AWSStepFunctions.DescribeExecution' }, '{}', 400, 'SerializationException'],
        [{ ...json, 'x-amz-target': 'AWSStepFunctions.DescribeExecution' }, '{not json', 400, 'SerializationException'],
      ];
      for (const [headers, body, status, type] of cases) {
        const response = await post(headers, body);
        expect([response.status, ((await response.json()) as { __type: string }).__type]).toEqual([status, type]);
      }
      const unsigned = await fetch(endpoint.endpoint, { method: 'POST', headers: { ...json, 'x-amz-target': 'AWSStepFunctions.DescribeExecution' }, body: '{}' });
      expect(unsigned.status).toBe(403);
      expect(await unsigned.json()).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
    });

    it('reports a missing required member as ValidationException, which the SDK raises as its base exception', async () => {
      const error = await expectFailure(client.send(new DescribeExecutionCommand({ executionArn: undefined })), SFNServiceException);
      expect(error.name).toBe('ValidationException');
      expect(error.message).toBe("1 validation error detected: Value null at 'executionArn' failed to satisfy constraint: Member must not be null");
      expect((error as SFNServiceException).$metadata.httpStatusCode).toBe(400);
    });
  });

  describe('CreateStateMachine', () => {
    it('is idempotent on name and definition and refuses the name with another definition', async () => {
      const first = await client.send(new CreateStateMachineCommand({ name: 'same', roleArn: ROLE, definition: JSON.stringify(waitingMachine()) }));
      expect(first.stateMachineArn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:same');
      expect(first.creationDate).toBeInstanceOf(Date);
      const again = await client.send(new CreateStateMachineCommand({ name: 'same', roleArn: ROLE, definition: JSON.stringify(waitingMachine()) }));
      expect(again).toMatchObject({ stateMachineArn: first.stateMachineArn, creationDate: first.creationDate });
      await expectFailure(
        client.send(new CreateStateMachineCommand({ name: 'same', roleArn: ROLE, definition: JSON.stringify(waitingMachine(5)) })),
        StateMachineAlreadyExists,
        `State Machine Already Exists: '${first.stateMachineArn}'`,
      );
    });

    it('validates the definition, and refuses what the interpreter does not run rather than half-run it', async () => {
      const invalid = (definition: string) => client.send(new CreateStateMachineCommand({ name: `bad-${++machines}`, roleArn: ROLE, definition }));
      await expectFailure(invalid('{"StartAt": '), InvalidDefinition, /INVALID_JSON_DESCRIPTION/);
      await expectFailure(invalid('{"States": {"A": {"Type": "Succeed"}}}'), InvalidDefinition, /"StartAt" is required/);
      await expectFailure(invalid('{"StartAt": "B", "States": {"A": {"Type": "Succeed"}}}'), InvalidDefinition, /MISSING_TRANSITION_TARGET: Missing 'Next' target: B at \/StartAt/);
      await expectFailure(
        invalid(JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: {}, Next: 'Gone' } } })),
        InvalidDefinition,
        /Missing 'Next' target: Gone at \/States\/A\/Next/,
      );
      await expectFailure(invalid(JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } })), InvalidDefinition, /UNSUPPORTED_BY_TEST_ENDPOINT: States of type Pass/);
      await expectFailure(
        invalid(JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', End: true } } })),
        InvalidDefinition,
        /UNSUPPORTED_BY_TEST_ENDPOINT: Resource "arn:aws:states:::sns:publish"/,
      );
      await expectFailure(
        client.send(new CreateStateMachineCommand({ name: 'express', type: 'EXPRESS', roleArn: ROLE, definition: JSON.stringify(waitingMachine()) })),
        StateMachineTypeNotSupported,
      );
      await expectFailure(client.send(new CreateStateMachineCommand({ name: 'has space', roleArn: ROLE, definition: JSON.stringify(waitingMachine()) })), InvalidName, "Invalid Name: 'has space'");
      await expectFailure(client.send(new CreateStateMachineCommand({ name: 'role', roleArn: 'not-an-arn', definition: JSON.stringify(waitingMachine()) })), InvalidArn);
    });
  });

  describe('StartExecution and DescribeExecution', () => {
    it('returns the running execution again for the same name and input, and refuses another input', async () => {
      const machine = await create(waitingMachine());
      const first = await client.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'order-1', input: '{"id":"1"}' }));
      expect(first.executionArn).toBe(`arn:aws:states:us-east-1:000000000000:execution:${machine.split(':').at(-1)}:order-1`);
      const again = await client.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'order-1', input: '{"id":"1"}' }));
      expect(again).toMatchObject({ executionArn: first.executionArn, startDate: first.startDate });
      await expectFailure(
        client.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'order-1', input: '{"id":"2"}' })),
        ExecutionAlreadyExists,
        `Execution Already Exists: '${first.executionArn}'`,
      );
      // The name is per state machine: another machine may use it.
      const other = await create(waitingMachine());
      expect(await start(other, { id: '1' }, 'order-1')).not.toBe(first.executionArn);
      expect(endpoint.waitingTasks().filter((task) => task.executionArn === first.executionArn)).toHaveLength(1);
    });

    it('refuses a closed execution name whatever the input', async () => {
      const machine = await create(waitingMachine());
      const arn = await start(machine, { id: '1' }, 'closed');
      const task = await endpoint.waitForTask({ executionArn: arn });
      await client.send(new SendTaskFailureCommand({ taskToken: task.taskToken, error: 'Nope' }));
      expect((await endpoint.waitForExecution(arn)).status).toBe('FAILED');
      await expectFailure(start(machine, { id: '1' }, 'closed'), ExecutionAlreadyExists);
    });

    it('refuses unknown machines, bad ARNs, names and input', async () => {
      const machine = await create(waitingMachine());
      await expectFailure(start('arn:aws:states:us-east-1:000000000000:stateMachine:nowhere', {}), StateMachineDoesNotExist, "State Machine Does Not Exist: 'arn:aws:states:us-east-1:000000000000:stateMachine:nowhere'");
      await expectFailure(start('nowhere', {}), InvalidArn);
      await expectFailure(start(machine, {}, 'a/b'), InvalidName);
      await expectFailure(start(machine, {}, 'x'.repeat(81)), InvalidName);
      await expectFailure(client.send(new StartExecutionCommand({ stateMachineArn: machine, input: '{oops' })), InvalidExecutionInput);
      await expectFailure(describe_('not-an-arn'), InvalidArn);
    });

    it('describes a finished execution with its input, output and dates', async () => {
      const machine = await create(waitingMachine());
      const arn = await start(machine, { id: '7' });
      expect((await describe_(arn)).status).toBe('RUNNING');
      const task = await endpoint.waitForTask({ executionArn: arn });
      expect(task).toEqual({ executionArn: arn, state: 'Wait', taskToken: expect.any(String), payload: { id: '7', token: task.taskToken, execution: arn } });
      await client.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: JSON.stringify({ verdict: 'yes' }) }));
      await endpoint.waitForExecution(arn);
      const described = await describe_(arn);
      expect(described).toMatchObject({ executionArn: arn, stateMachineArn: machine, status: 'SUCCEEDED', input: '{"id":"7"}' });
      expect(described.startDate).toBeInstanceOf(Date);
      expect(described.stopDate!.getTime()).toBeGreaterThanOrEqual(described.startDate!.getTime());
      expect(JSON.parse(described.output!)).toEqual({ id: '7', answer: { verdict: 'yes' }, work: { result: { done: true } } });
      expect(work).toHaveBeenCalledWith({ id: '7' });
      expect(endpoint.visitedStates(arn)).toEqual(['Wait', 'Route', 'Work']);
    });
  });

  describe('task tokens', () => {
    it('accepts heartbeats, takes one answer per token, and tells invalid, unknown and spent tokens apart', async () => {
      const machine = await create(waitingMachine());
      const arn = await start(machine, { id: '1' });
      const { taskToken } = await endpoint.waitForTask({ executionArn: arn });
      await client.send(new SendTaskHeartbeatCommand({ taskToken }));
      await expectFailure(client.send(new SendTaskSuccessCommand({ taskToken, output: 'not json' })), InvalidOutput);
      await client.send(new SendTaskSuccessCommand({ taskToken, output: '{"verdict":"yes"}' }));
      expect(endpoint.waitingTasks().some((task) => task.taskToken === taskToken)).toBe(false);
      await expectFailure(client.send(new SendTaskSuccessCommand({ taskToken, output: '{}' })), TaskTimedOut, "Task Timed Out: 'Provided task does not exist anymore'");
      await expectFailure(client.send(new SendTaskFailureCommand({ taskToken, error: 'Nope' })), TaskTimedOut);
      await expectFailure(client.send(new SendTaskHeartbeatCommand({ taskToken })), TaskTimedOut);
      await expectFailure(client.send(new SendTaskSuccessCommand({ taskToken: 'garbage', output: '{}' })), InvalidToken, "Invalid Token: 'Invalid token'");
      const forged = Buffer.from(JSON.stringify({ v: 1, e: arn, t: 'x' })).toString('base64url');
      await expectFailure(client.send(new SendTaskSuccessCommand({ taskToken: forged, output: '{}' })), TaskDoesNotExist);
      expect((await endpoint.waitForExecution(arn)).status).toBe('SUCCEEDED');
    });

    it('times a waiting task out (States.Timeout) with the configured clock, after which its token is spent', async () => {
      const machine = await create(waitingMachine(200));
      const arn = await start(machine, { id: '1' });
      const { taskToken } = await endpoint.waitForTask({ executionArn: arn });
      const ended = await endpoint.waitForExecution(arn);
      expect(ended.status).toBe('SUCCEEDED');
      expect(JSON.parse(ended.output!)).toEqual({ id: '1', error: { Error: 'States.Timeout' } });
      expect(endpoint.visitedStates(arn)).toEqual(['Wait', 'TimedOut']);
      await expectFailure(client.send(new SendTaskSuccessCommand({ taskToken, output: '{}' })), TaskTimedOut);
    });

    it('fails the task with the error and cause of SendTaskFailure, for Catch to route', async () => {
      const machine = await create(waitingMachine());
      const arn = await start(machine, { id: '1' });
      const { taskToken } = await endpoint.waitForTask({ executionArn: arn });
      await client.send(new SendTaskFailureCommand({ taskToken, error: 'Nope', cause: 'changed my mind' }));
      const ended = await endpoint.waitForExecution(arn);
      expect(ended).toMatchObject({ status: 'FAILED', error: 'Refused', cause: 'The answer was not yes' });
      expect(endpoint.visitedStates(arn)).toEqual(['Wait', 'Refused']);
      expect(work).not.toHaveBeenCalled();
    });
  });

  describe('interpreter', () => {
    it('retries only the errors a retrier names, then fails with the function error and its payload as cause', async () => {
      const machine = await create(waitingMachine());
      const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Lambda.TooManyRequestsException' });
      work.mockRejectedValueOnce(throttled).mockRejectedValueOnce(throttled).mockResolvedValueOnce({ third: 'time' });
      const retried = await start(machine, { id: 'r' });
      await client.send(new SendTaskSuccessCommand({ taskToken: (await endpoint.waitForTask({ executionArn: retried })).taskToken, output: '{"verdict":"yes"}' }));
      expect(JSON.parse((await endpoint.waitForExecution(retried)).output!).work).toEqual({ result: { third: 'time' } });
      expect(work).toHaveBeenCalledTimes(3);

      work.mockReset().mockRejectedValue(new TypeError('boom'));
      const failed = await start(machine, { id: 'f' });
      await client.send(new SendTaskSuccessCommand({ taskToken: (await endpoint.waitForTask({ executionArn: failed })).taskToken, output: '{"verdict":"yes"}' }));
      const ended = await endpoint.waitForExecution(failed);
      expect(ended).toMatchObject({ status: 'FAILED', error: 'TypeError' });
      expect(JSON.parse(ended.cause!)).toEqual({ errorType: 'TypeError', errorMessage: 'boom', trace: [] });
      expect(work).toHaveBeenCalledTimes(1);
    });

    it('hands dynamodb:updateItem to the handler and names its errors DynamoDB.<exception>', async () => {
      const machine = await create({
        StartAt: 'Mark',
        States: {
          Mark: {
            Type: 'Task',
            Resource: 'arn:aws:states:::dynamodb:updateItem',
            Parameters: { TableName: 'items', Key: { id: { 'S.$': '$.id' } }, UpdateExpression: 'SET #s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'done' } } },
            ResultPath: '$.update',
            Retry: [{ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], MaxAttempts: 0 }, { ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 1 }],
            Catch: [{ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], ResultPath: null, Next: 'Lost' }],
            End: true,
          },
          Lost: { Type: 'Succeed' },
        },
      });
      const updated = await start(machine, { id: 'a' });
      expect(JSON.parse((await endpoint.waitForExecution(updated)).output!)).toEqual({ id: 'a', update: {} });
      expect(updateItem).toHaveBeenCalledWith({ TableName: 'items', Key: { id: { S: 'a' } }, UpdateExpression: 'SET #s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'done' } } });

      updateItem.mockReset().mockRejectedValue(Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' }));
      const lost = await start(machine, { id: 'b' });
      expect(await endpoint.waitForExecution(lost)).toMatchObject({ status: 'SUCCEEDED', output: '{"id":"b"}' });
      expect(endpoint.visitedStates(lost)).toEqual(['Mark', 'Lost']);
      expect(updateItem).toHaveBeenCalledTimes(1);

      updateItem.mockReset().mockRejectedValue(Object.assign(new Error('Throughput exceeded'), { name: 'ProvisionedThroughputExceededException' }));
      const throttled = await start(machine, { id: 'c' });
      expect(await endpoint.waitForExecution(throttled)).toMatchObject({ status: 'FAILED', error: 'DynamoDB.ProvisionedThroughputExceededException' });
      expect(updateItem).toHaveBeenCalledTimes(2);
    });

    it('fails with States.NoChoiceMatched and States.Runtime where the service does', async () => {
      const machine = await create({
        StartAt: 'Pick',
        States: {
          Pick: { Type: 'Choice', Choices: [{ Variable: '$.kind', StringEquals: 'a', Next: 'A' }] },
          A: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'work', 'Payload.$': '$.missing' }, Retry: [{ ErrorEquals: ['States.ALL'] }], End: true },
        },
      });
      expect(await endpoint.waitForExecution(await start(machine, { kind: 'b' }))).toMatchObject({ status: 'FAILED', error: 'States.NoChoiceMatched' });
      const runtime = await endpoint.waitForExecution(await start(machine, { kind: 'a' }));
      expect(runtime).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
      expect(runtime.cause).toMatch(/The JSONPath '\$.missing' specified for the field 'Payload.\$' could not be found/);
      expect(work).not.toHaveBeenCalled();
    });
  });
});
