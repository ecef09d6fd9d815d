import {
  CreateTopicCommand,
  InternalErrorException,
  InvalidParameterException,
  InvalidParameterValueException,
  ListTopicsCommand,
  NotFoundException,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { startSnsTestEndpoint, type SnsTestEndpoint } from '../src';

const ALERTS = 'arn:aws:sns:us-east-1:000000000000:alerts';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Awaits a rejection and checks the SDK raised the modelled exception class (and, if given, the message). */
async function expectFailure(promise: Promise<unknown>, type: abstract new (...args: never[]) => Error, message?: string): Promise<Error & { $metadata: { httpStatusCode?: number } }> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(type);
  if (message !== undefined) expect((error as Error).message).toBe(message);
  return error as Error & { $metadata: { httpStatusCode?: number } };
}

describe('SNS test endpoint with the real SNSClient', () => {
  let endpoint: SnsTestEndpoint;
  let client: SNSClient;

  beforeAll(async () => {
    endpoint = await startSnsTestEndpoint({ topics: [ALERTS] });
    client = new SNSClient({ region: 'us-east-1', endpoint: endpoint.endpoint, credentials, maxAttempts: 1 });
  });

  afterAll(async () => {
    client.destroy();
    await endpoint.stop();
  });

  it('publishes with a subject and message attributes and records the message', async () => {
    const before = endpoint.published.length;
    const message = 'Disk usage at 91% on db-1 & <replica>';
    const output = await client.send(
      new PublishCommand({
        TopicArn: ALERTS,
        Subject: 'Disk alert: db-1',
        Message: message,
        MessageAttributes: {
          severity: { DataType: 'String', StringValue: 'high' },
          'x-team': { DataType: 'String', StringValue: 'ops & on-call' },
          retries: { DataType: 'Number', StringValue: '3' },
        },
      }),
    );
    expect(output.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(output.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(endpoint.published.slice(before)).toEqual([
      {
        topicArn: ALERTS,
        subject: 'Disk alert: db-1',
        message,
        attributes: { severity: 'high', 'x-team': 'ops & on-call', retries: '3' },
        messageId: output.MessageId,
      },
    ]);
  });

  it('publishes without a subject or attributes', async () => {
    const { MessageId } = await client.send(new PublishCommand({ TopicArn: ALERTS, Message: 'plain' }));
    expect(endpoint.published.at(-1)).toEqual({ topicArn: ALERTS, message: 'plain', attributes: {}, messageId: MessageId });
  });

  it('answers NotFound (404) for a topic that does not exist', async () => {
    const before = endpoint.published.length;
    const error = await expectFailure(
      client.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:missing', Message: 'hello' })),
      NotFoundException,
      'Topic does not exist',
    );
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(endpoint.published).toHaveLength(before);
  });

  it('answers InvalidParameter for an empty message, a long subject, an oversized message and a malformed ARN', async () => {
    const before = endpoint.published.length;
    const empty = await expectFailure(client.send(new PublishCommand({ TopicArn: ALERTS, Message: '' })), InvalidParameterException, 'Invalid parameter: Empty message');
    expect(empty.$metadata.httpStatusCode).toBe(400);
    await expectFailure(client.send(new PublishCommand({ TopicArn: ALERTS, Message: 'm', Subject: 's'.repeat(101) })), InvalidParameterException, 'Invalid parameter: Subject');
    await expectFailure(client.send(new PublishCommand({ TopicArn: ALERTS, Message: 'x'.repeat(256 * 1024 + 1) })), InvalidParameterException, 'Invalid parameter: Message too long');
    await expectFailure(client.send(new PublishCommand({ TopicArn: 'alerts', Message: 'm' })), InvalidParameterException, 'Invalid parameter: TopicArn');
    await expectFailure(
      client.send(new PublishCommand({ TopicArn: ALERTS, Message: 'm', MessageAttributes: { n: { DataType: 'Number', StringValue: 'many' } } })),
      InvalidParameterValueException,
    );
    expect(endpoint.published).toHaveLength(before);

    await client.send(new PublishCommand({ TopicArn: ALERTS, Message: 'y'.repeat(256 * 1024), Subject: 's'.repeat(100) }));
    expect(endpoint.published).toHaveLength(before + 1);
  });

  it('fails the next Publish calls with InternalError (500) after failFor', async () => {
    const before = endpoint.published.length;
    endpoint.failFor(1);
    const error = await expectFailure(client.send(new PublishCommand({ TopicArn: ALERTS, Message: 'during outage' })), InternalErrorException);
    expect(error.$metadata.httpStatusCode).toBe(500);
    expect((error as unknown as { $fault: string }).$fault).toBe('server');
    expect(endpoint.published).toHaveLength(before);

    await client.send(new PublishCommand({ TopicArn: ALERTS, Message: 'after outage' }));
    expect(endpoint.published.at(-1)?.message).toBe('after outage');
  });

  it('creates topics that can then be published to and listed', async () => {
    const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 'deployments' }));
    expect(TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:deployments');
    expect((await client.send(new CreateTopicCommand({ Name: 'deployments' }))).TopicArn).toBe(TopicArn);
    await client.send(new PublishCommand({ TopicArn, Message: 'deployed' }));
    expect(endpoint.published.at(-1)).toMatchObject({ topicArn: TopicArn, message: 'deployed' });
    const { Topics, NextToken } = await client.send(new ListTopicsCommand({}));
    expect(Topics).toEqual([{ TopicArn: ALERTS }, { TopicArn }]);
    expect(NextToken).toBeUndefined();
    await expectFailure(client.send(new CreateTopicCommand({ Name: 'bad name' })), InvalidParameterException);
  });

  describe('protocol', () => {
    const form = 'Action=Publish&Version=2010-03-31&TopicArn=' + encodeURIComponent(ALERTS) + '&Message=hi';
    const post = (headers: Record<string, string>, body = form) =>
      fetch(endpoint.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });

    it('refuses an unsigned request with MissingAuthenticationToken (403)', async () => {
      const before = endpoint.published.length;
      const response = await post({});
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toBe('text/xml');
      const text = await response.text();
      expect(text).toMatch(/^<ErrorResponse xmlns="http:\/\/sns\.amazonaws\.com\/doc\/2010-03-31\/"><Error><Type>Sender<\/Type><Code>MissingAuthenticationToken<\/Code>/);
      expect(text).toMatch(/<RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/);
      expect(endpoint.published).toHaveLength(before);
    });

    it('refuses a non-SigV4 authorization header with IncompleteSignature', async () => {
      const response = await post({ authorization: 'Bearer abc' });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('<Code>IncompleteSignature</Code>');
    });

    it('answers the awsQuery XML envelope and InvalidAction for an unknown action', async () => {
      const authorization = 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=abc';
      const ok = await post({ authorization });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toMatch(
        /^<PublishResponse xmlns="http:\/\/sns\.amazonaws\.com\/doc\/2010-03-31\/"><PublishResult><MessageId>[0-9a-f-]{36}<\/MessageId><\/PublishResult><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/PublishResponse>$/,
      );
      const unknown = await post({ authorization }, 'Action=DeleteEverything&Version=2010-03-31');
      expect(unknown.status).toBe(400);
      expect(await unknown.text()).toContain('<Code>InvalidAction</Code><Message>Could not find operation DeleteEverything for version 2010-03-31</Message>');
    });
  });
});
