import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startLocalDynamoDb, startSsmTestEndpoint } from '../src';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('local DynamoDB (dynalite)', () => {
  it('keeps data across a restart when given a folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynalite-'));
    const first = await startLocalDynamoDb({ path: dir });
    const client = new DynamoDBClient({ region: 'local', endpoint: first.endpoint, credentials });
    await client.send(
      new CreateTableCommand({
        TableName: 'persisted',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    await client.send(new PutItemCommand({ TableName: 'persisted', Item: { pk: { S: 'k' }, value: { S: 'kept' } } }));
    await first.stop();

    const second = await startLocalDynamoDb({ path: dir });
    const again = new DynamoDBClient({ region: 'local', endpoint: second.endpoint, credentials });
    const item = await again.send(new GetItemCommand({ TableName: 'persisted', Key: { pk: { S: 'k' } } }));
    expect(item.Item?.value).toEqual({ S: 'kept' });
    await second.stop();
    await rm(dir, { recursive: true, force: true });
  });
});

describe('SSM test endpoint', () => {
  it('serves GetParameter and PutParameter to the real SSM client, and can simulate an outage', async () => {
    const ssm = await startSsmTestEndpoint();
    const client = new SSMClient({ region: 'us-east-1', endpoint: ssm.endpoint, credentials, maxAttempts: 1 });
    await client.send(new PutParameterCommand({ Name: '/a/b', Value: 'one', Type: 'String', Overwrite: true }));
    await client.send(new PutParameterCommand({ Name: '/a/b', Value: 'two', Type: 'String', Overwrite: true }));
    const output = await client.send(new GetParameterCommand({ Name: '/a/b' }));
    expect(output.Parameter).toMatchObject({ Name: '/a/b', Value: 'two', Version: 2, Type: 'String' });
    await expect(client.send(new GetParameterCommand({ Name: '/nope' }))).rejects.toMatchObject({ name: 'ParameterNotFound' });
    ssm.setAvailable(false);
    await expect(client.send(new GetParameterCommand({ Name: '/a/b' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    await ssm.stop();
  });
});
