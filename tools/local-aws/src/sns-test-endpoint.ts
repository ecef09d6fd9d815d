import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './http-body';

/**
 * A small, protocol-faithful Amazon SNS endpoint (awsQuery: `POST /` with a
 * form-urlencoded `Action=<Operation>&Version=2010-03-31&...` body, XML
 * responses, `<ErrorResponse>` errors) so that the real `@aws-sdk/client-sns`
 * sends real, signed requests in tests. It implements Publish, CreateTopic and
 * ListTopics. Requests must carry a SigV4 `Authorization` header (its signature
 * is not verified: the endpoint does not know the caller's secret).
 */
export interface SnsTestEndpoint {
  readonly endpoint: string;
  /** Messages published so far, in order, with the topic each went to. */
  readonly published: readonly PublishedSnsMessage[];
  /** Makes the next `count` Publish calls fail with InternalError (HTTP 500), as an outage would. */
  failFor(count: number): void;
  stop(): Promise<void>;
}

export interface PublishedSnsMessage {
  topicArn: string;
  subject?: string;
  message: string;
  /** Message attributes by name: the StringValue, or the base64 BinaryValue for Binary attributes. */
  attributes: Record<string, string>;
  messageId: string;
}

export interface SnsTestEndpointOptions {
  /** Topic ARNs that exist from the start, e.g. `arn:aws:sns:us-east-1:000000000000:alerts`. */
  topics: string[];
  port?: number;
  host?: string;
}

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const VERSION = '2010-03-31';
const ACCOUNT_PREFIX = 'arn:aws:sns:us-east-1:000000000000:';
/** Publish payload limit: message plus attribute names, types and values, in UTF-8 bytes. */
const MAX_PAYLOAD_BYTES = 256 * 1024;
const MAX_SUBJECT_CHARS = 100;
const MAX_ATTRIBUTES = 10;
const LIST_PAGE_SIZE = 100;
const TOPIC_ARN = /^arn:aws(?:-[a-z]+)*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,251}(?:\.fifo)?$/;
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,251}(?:\.fifo)?$/;

/** An awsQuery error as SNS reports it; `code` is the `<Code>` the SDK maps to an exception class. */
class SnsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const invalidParameter = (message: string) => new SnsError(400, 'InvalidParameter', message);

export async function startSnsTestEndpoint(options: SnsTestEndpointOptions): Promise<SnsTestEndpoint> {
  for (const arn of options.topics) {
    if (!TOPIC_ARN.test(arn)) throw new TypeError(`Not an SNS topic ARN: ${arn}`);
  }
  const topics = new Set(options.topics);
  const published: PublishedSnsMessage[] = [];
  let failures = 0;

  const publish = (params: URLSearchParams): string => {
    if (params.has('PhoneNumber')) throw invalidParameter('Invalid parameter: PhoneNumber Reason: SMS is not supported by this endpoint');
    const topicArn = params.get('TopicArn') ?? params.get('TargetArn');
    if (!topicArn) throw invalidParameter('Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter');
    if (!TOPIC_ARN.test(topicArn)) throw invalidParameter('Invalid parameter: TopicArn');
    const message = params.get('Message');
    if (message === null) throw invalidParameter('Invalid parameter: Message Reason: no value for required parameter');
    if (message === '') throw invalidParameter('Invalid parameter: Empty message');
    const subject = params.get('Subject') ?? undefined;
    // eslint-disable-next-line no-control-regex
    if (subject !== undefined && (subject.length === 0 || [...subject].length > MAX_SUBJECT_CHARS || /[\u0000-\u001f\u007f]/.test(subject))) {
      throw invalidParameter('Invalid parameter: Subject');
    }
    const { attributes, bytes } = readMessageAttributes(params);
    if (Buffer.byteLength(message) + bytes > MAX_PAYLOAD_BYTES) throw invalidParameter('Invalid parameter: Message too long');
    if (!topics.has(topicArn)) throw new SnsError(404, 'NotFound', 'Topic does not exist');
    const messageId = randomUUID();
    published.push({ topicArn, ...(subject === undefined ? {} : { subject }), message, attributes, messageId });
    return `<PublishResult><MessageId>${messageId}</MessageId></PublishResult>`;
  };

  const createTopic = (params: URLSearchParams): string => {
    const name = params.get('Name');
    if (!name || !TOPIC_NAME.test(name)) throw invalidParameter('Invalid parameter: Topic Name');
    const arn = ACCOUNT_PREFIX + name;
    topics.add(arn);
    return `<CreateTopicResult><TopicArn>${xml(arn)}</TopicArn></CreateTopicResult>`;
  };

  const listTopics = (params: URLSearchParams): string => {
    const all = [...topics];
    const token = params.get('NextToken');
    const start = token ? Number(Buffer.from(token, 'base64').toString()) : 0;
    if (!Number.isInteger(start) || start < 0 || start > all.length) throw invalidParameter('Invalid parameter: NextToken');
    const page = all.slice(start, start + LIST_PAGE_SIZE);
    const next = start + LIST_PAGE_SIZE < all.length ? Buffer.from(String(start + LIST_PAGE_SIZE)).toString('base64') : undefined;
    const members = page.map((arn) => `<member><TopicArn>${xml(arn)}</TopicArn></member>`).join('');
    return `<ListTopicsResult><Topics>${members}</Topics>${next ? `<NextToken>${next}</NextToken>` : ''}</ListTopicsResult>`;
  };

  const actions: Record<string, (params: URLSearchParams) => string> = { Publish: publish, CreateTopic: createTopic, ListTopics: listTopics };

  const server = createServer(async (req, res) => {
    const requestId = randomUUID();
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const params = new URLSearchParams(url.search);
      const body = await readBody(req);
      if (String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        for (const [key, value] of new URLSearchParams(body)) params.set(key, value);
      }
      checkSignature(req, params);
      const action = params.get('Action');
      if (!action) throw new SnsError(400, 'MissingAction', 'Missing Action');
      const handler = Object.hasOwn(actions, action) ? actions[action] : undefined;
      if (!handler) throw new SnsError(400, 'InvalidAction', `Could not find operation ${action} for version ${params.get('Version') ?? VERSION}`);
      if (action === 'Publish' && failures > 0) {
        failures -= 1;
        throw new SnsError(500, 'InternalError', 'We encountered an internal error. Please try again.');
      }
      const result = handler(params);
      send(res, 200, requestId, `<${action}Response xmlns="${XMLNS}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`);
    } catch (error) {
      const { status, code, message } = error instanceof SnsError ? error : new SnsError(500, 'InternalError', String(error));
      const type = status >= 500 ? 'Receiver' : 'Sender';
      send(res, status, requestId, `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${xml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    endpoint: `http://${host}:${address.port}`,
    published,
    failFor: (count) => {
      if (!Number.isInteger(count) || count < 0) throw new RangeError(`failFor expects a non-negative integer, got ${count}`);
      failures = count;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

/**
 * Requires SigV4, in the `Authorization` header or as presigned query parameters,
 * answering as SNS does: no credentials at all is `MissingAuthenticationToken`
 * (403), a malformed SigV4 header is `IncompleteSignature` (400).
 */
function checkSignature(req: IncomingMessage, params: URLSearchParams): void {
  const authorization = req.headers.authorization;
  if (authorization === undefined) {
    if (params.get('X-Amz-Algorithm') === 'AWS4-HMAC-SHA256' && params.has('X-Amz-Credential') && params.has('X-Amz-Signature')) return;
    throw new SnsError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  }
  if (!authorization.startsWith('AWS4-HMAC-SHA256 ')) {
    throw new SnsError(400, 'IncompleteSignature', `Authorization header requires the AWS4-HMAC-SHA256 algorithm. Authorization=${authorization.split(' ')[0]}`);
  }
  for (const part of ['Credential', 'SignedHeaders', 'Signature']) {
    if (!new RegExp(`[ ,]${part}=[^,\\s]+`).test(authorization)) {
      throw new SnsError(400, 'IncompleteSignature', `Authorization header requires '${part}' parameter.`);
    }
  }
}

/** Reads `MessageAttributes.entry.N.{Name,Value.DataType,Value.StringValue,Value.BinaryValue}`. */
function readMessageAttributes(params: URLSearchParams): { attributes: Record<string, string>; bytes: number } {
  const entries = new Set<string>();
  for (const key of params.keys()) {
    const match = /^MessageAttributes\.entry\.(\d+)\./.exec(key);
    if (match) entries.add(match[1]!);
  }
  if (entries.size > MAX_ATTRIBUTES) {
    throw invalidParameter(`Number of message attributes [${entries.size}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`);
  }
  const attributes: Record<string, string> = {};
  let bytes = 0;
  for (const n of [...entries].sort((a, b) => Number(a) - Number(b))) {
    const prefix = `MessageAttributes.entry.${n}.`;
    const name = params.get(`${prefix}Name`);
    if (!name) throw invalidParameter('Invalid parameter: MessageAttributes Reason: attribute name is required');
    if (Object.hasOwn(attributes, name)) throw invalidParameter(`Invalid parameter: MessageAttributes Reason: duplicate attribute name ${name}`);
    const dataType = params.get(`${prefix}Value.DataType`);
    if (!dataType) throw valueInvalid(`The message attribute '${name}' must contain non-empty message attribute type.`);
    const baseType = dataType.split('.')[0];
    let value: string | null;
    if (baseType === 'Binary') {
      value = params.get(`${prefix}Value.BinaryValue`);
      if (!value) throw valueInvalid(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`);
      bytes += Buffer.from(value, 'base64').byteLength;
    } else if (baseType === 'String' || baseType === 'Number') {
      value = params.get(`${prefix}Value.StringValue`);
      if (!value) throw valueInvalid(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`);
      if (baseType === 'Number' && !Number.isFinite(Number(value))) throw valueInvalid(`Could not cast message attribute '${name}' value to number.`);
      bytes += Buffer.byteLength(value);
    } else {
      throw valueInvalid(`The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`);
    }
    bytes += Buffer.byteLength(name) + Buffer.byteLength(dataType);
    attributes[name] = value;
  }
  return { attributes, bytes };
}

const valueInvalid = (message: string) => new SnsError(400, 'ParameterValueInvalid', message);

function xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function send(res: ServerResponse, status: number, requestId: string, body: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
