import {
  BatchGetItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  IdempotentParameterMismatchException,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { startLocalDynamoDb, type LocalDynamoDb } from '../src';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('TransactWriteItems in front of dynalite', () => {
  let dynamodb: LocalDynamoDb;
  let client: DynamoDBClient;
  beforeAll(async () => {
    dynamodb = await startLocalDynamoDb();
    client = new DynamoDBClient({ region: 'local', endpoint: dynamodb.endpoint, credentials });
    for (const table of ['counters', 'records']) {
      await client.send(
        new CreateTableCommand({
          TableName: table,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      );
    }
  });
  afterAll(async () => {
    client.destroy();
    await dynamodb.stop();
  });

  const countUnder = (pk: string, limit: number): TransactWriteItem => ({
    Update: {
      TableName: 'counters',
      Key: { pk: { S: pk } },
      UpdateExpression: 'ADD #count :one',
      ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: { ':one': { N: '1' }, ':limit': { N: String(limit) } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  });
  const newRecord = (pk: string): TransactWriteItem => ({ Put: { TableName: 'records', Item: { pk: { S: pk }, body: { S: `record ${pk}` } }, ConditionExpression: 'attribute_not_exists(pk)' } });
  const read = async (table: string, pk: string) => (await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: pk } }, ConsistentRead: true }))).Item;

  it('applies every write across tables when every condition holds', async () => {
    await client.send(new TransactWriteItemsCommand({ TransactItems: [countUnder('a', 2), newRecord('r1')] }));
    expect(await read('counters', 'a')).toEqual({ pk: { S: 'a' }, count: { N: '1' } });
    expect(await read('records', 'r1')).toEqual({ pk: { S: 'r1' }, body: { S: 'record r1' } });
  });

  it('applies none when one condition fails, and says which with a reason per item', async () => {
    await client.send(new PutItemCommand({ TableName: 'counters', Item: { pk: { S: 'full' }, count: { N: '3' } } }));
    const attempt = client.send(new TransactWriteItemsCommand({ TransactItems: [countUnder('b', 5), countUnder('full', 3), newRecord('r2')] }));
    const error = (await attempt.catch((caught: unknown) => caught)) as TransactionCanceledException;
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(error.CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', Item: { pk: { S: 'full' }, count: { N: '3' } } },
      { Code: 'None' },
    ]);
    expect(await read('counters', 'b')).toBeUndefined();
    expect(await read('records', 'r2')).toBeUndefined();
    expect(await read('counters', 'full')).toEqual({ pk: { S: 'full' }, count: { N: '3' } });
  });

  it('puts back an item a refused transaction had changed, and checks a condition alone without writing', async () => {
    await client.send(new PutItemCommand({ TableName: 'records', Item: { pk: { S: 'kept' }, body: { S: 'as it was' } } }));
    const overwrite: TransactWriteItem = { Put: { TableName: 'records', Item: { pk: { S: 'kept' }, body: { S: 'changed' } } } };
    const check: TransactWriteItem = { ConditionCheck: { TableName: 'records', Key: { pk: { S: 'absent' } }, ConditionExpression: 'attribute_exists(pk)' } };
    await expect(client.send(new TransactWriteItemsCommand({ TransactItems: [overwrite, check] }))).rejects.toBeInstanceOf(TransactionCanceledException);
    expect(await read('records', 'kept')).toEqual({ pk: { S: 'kept' }, body: { S: 'as it was' } });
    expect(await read('records', 'absent')).toBeUndefined();
  });

  it('answers a repeated client request token without applying it twice, and refuses the token with other parameters', async () => {
    const request = { TransactItems: [countUnder('once', 10)], ClientRequestToken: 'token-1' };
    await client.send(new TransactWriteItemsCommand(request));
    await client.send(new TransactWriteItemsCommand(request));
    expect(await read('counters', 'once')).toEqual({ pk: { S: 'once' }, count: { N: '1' } });
    await expect(client.send(new TransactWriteItemsCommand({ ...request, TransactItems: [countUnder('other', 10)] }))).rejects.toBeInstanceOf(IdempotentParameterMismatchException);
  });

  it('runs a refused transaction again when it is retried with its token: never answered as applied', async () => {
    await client.send(new PutItemCommand({ TableName: 'counters', Item: { pk: { S: 'at-limit' }, count: { N: '1' } } }));
    const request = { TransactItems: [countUnder('at-limit', 1), newRecord('never')], ClientRequestToken: 'token-refused' };
    await expect(client.send(new TransactWriteItemsCommand(request))).rejects.toBeInstanceOf(TransactionCanceledException);
    await expect(client.send(new TransactWriteItemsCommand(request))).rejects.toBeInstanceOf(TransactionCanceledException);
    expect(await read('records', 'never')).toBeUndefined();
  });

  it('refuses two operations on one item, and an empty transaction, changing nothing', async () => {
    await expect(client.send(new TransactWriteItemsCommand({ TransactItems: [countUnder('twice', 5), countUnder('twice', 5)] }))).rejects.toThrow(
      'Transaction request cannot include multiple operations on one item',
    );
    await expect(client.send(new TransactWriteItemsCommand({ TransactItems: [] }))).rejects.toThrow(/transactItems/);
    expect(await read('counters', 'twice')).toBeUndefined();
  });

  it('is never seen half done by concurrent reads', async () => {
    const balance = (pk: string, amount: number) => client.send(new PutItemCommand({ TableName: 'counters', Item: { pk: { S: pk }, count: { N: String(amount) } } }));
    await Promise.all([balance('from', 40), balance('to', 0)]);
    const move: TransactWriteItem[] = [
      { Update: { TableName: 'counters', Key: { pk: { S: 'from' } }, UpdateExpression: 'ADD #count :minus', ConditionExpression: '#count > :zero', ExpressionAttributeNames: { '#count': 'count' }, ExpressionAttributeValues: { ':minus': { N: '-1' }, ':zero': { N: '0' } } } },
      { Update: { TableName: 'counters', Key: { pk: { S: 'to' } }, UpdateExpression: 'ADD #count :one', ExpressionAttributeNames: { '#count': 'count' }, ExpressionAttributeValues: { ':one': { N: '1' } } } },
    ];
    const sums: number[] = [];
    const reads = Array.from({ length: 30 }, async () => {
      const answer = await client.send(new BatchGetItemCommand({ RequestItems: { counters: { Keys: [{ pk: { S: 'from' } }, { pk: { S: 'to' } }], ConsistentRead: true } } }));
      sums.push(answer.Responses!.counters!.reduce((sum, item) => sum + Number(item.count!.N), 0));
    });
    const moves = Array.from({ length: 50 }, () => client.send(new TransactWriteItemsCommand({ TransactItems: move })).then(() => 'moved', (error: Error) => error.name));
    const outcomes = await Promise.all([...moves, ...reads]);
    expect(outcomes.filter((outcome) => outcome === 'moved')).toHaveLength(40);
    expect(outcomes.filter((outcome) => outcome === 'TransactionCanceledException')).toHaveLength(10);
    expect(new Set(sums)).toEqual(new Set([40]));
    expect(await read('counters', 'from')).toEqual({ pk: { S: 'from' }, count: { N: '0' } });
    expect(await read('counters', 'to')).toEqual({ pk: { S: 'to' }, count: { N: '40' } });
  });
});
