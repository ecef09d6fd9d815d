import { UpdateItemCommand, type DynamoDBClient, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { approvalServer, approvalStateMachine, arns, resourceNames, type FunctionKind, type StageConfig } from '@gmcp/infra';
import { startSfnTestEndpoint, startSnsTestEndpoint, type LambdaProcess } from '@gmcp/local-aws';
import { ACCOUNT, LOCAL_CREDENTIALS, REGION } from './stage-config';

/**
 * The approval workflow as deployed: the approvers' SNS topic, and the plan's state machine on
 * the Step Functions peer, whose tasks invoke the writer's functions once they are deployed
 * (`register`).
 */
export async function startApprovalPeers(config: StageConfig, dynamo: DynamoDBClient) {
  const names = resourceNames(config);
  const arn = arns(config);
  const sns = await startSnsTestEndpoint({ topics: [arn.topic(names.approverTopic)] });
  const tasks: Partial<Record<FunctionKind, LambdaProcess>> = {};
  const task = (kind: FunctionKind, exportName: string) => async (payload: unknown) => {
    const process = tasks[kind];
    if (!process) throw new Error(`${kind} is not deployed`);
    const invocation = await process.invoke(exportName, payload);
    if (!invocation.ok) throw Object.assign(new Error(invocation.error.errorMessage), { name: invocation.error.errorType });
    return invocation.result;
  };
  const sfn = await startSfnTestEndpoint({
    region: REGION,
    accountId: ACCOUNT,
    lambdas: {
      [arn.function(names.function(approvalServer(), 'approval-notifier'))]: task('approval-notifier', 'notifier'),
      [arn.function(names.function(approvalServer(), 'approval-executor'))]: task('approval-executor', 'executor'),
    },
    dynamoDb: { updateItem: (input) => dynamo.send(new UpdateItemCommand(input as unknown as UpdateItemCommandInput)) },
  });
  const machine = approvalStateMachine(config);
  const client = new SFNClient({ region: REGION, endpoint: sfn.endpoint, credentials: LOCAL_CREDENTIALS });
  await client.send(new CreateStateMachineCommand({ name: machine.name, type: machine.type, roleArn: `arn:aws:iam::${ACCOUNT}:role/${names.stateMachineRole}`, definition: JSON.stringify(machine.definition) }));
  client.destroy();
  return {
    sns,
    peers: { states: sfn.endpoint, sns: sns.endpoint },
    /** The approval server's functions, for the state machine's tasks. */
    register: (kind: FunctionKind, process: LambdaProcess) => void (tasks[kind] = process),
    stop: async () => {
      await sfn.stop();
      await sns.stop();
    },
  };
}
