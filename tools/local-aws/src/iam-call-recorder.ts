import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { readBodyBytes } from './http-body';
import { listenOnLoopback } from './loopback';

/** One AWS API call as IAM authorizes it: an action on a resource, with the condition keys it carries. */
export interface AwsCall {
  action: string;
  resource: string;
  context?: Record<string, string>;
}

export type RecordedService = 'dynamodb' | 'ssm' | 's3' | 'rds-data' | 'states' | 'sns' | 'secretsmanager' | 'kms';

export interface IamCallRecorder {
  /** Point the client here instead of at the peer. */
  readonly endpoint: string;
  readonly calls: readonly AwsCall[];
  stop(): Promise<void>;
}

type Body = Record<string, unknown>;

/**
 * A pass-through proxy in front of a local peer that writes down each request as the IAM
 * authorization AWS would make for it (action, resource ARN, condition keys), so that a
 * test can check a role's policy against what the code really calls — not what we think it
 * calls. Requests and responses pass unchanged (the Host header too, so signatures hold).
 */
export async function startIamCallRecorder(target: string, service: RecordedService, where: { region: string; account: string }): Promise<IamCallRecorder> {
  const calls: AwsCall[] = [];
  const upstream = new URL(target);
  const server = createServer(async (req, res) => {
    const body = await readBodyBytes(req);
    calls.push(...describe(service, req, body, where));
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      if (service === 's3' && answer.statusCode === 404) calls.push(...missingObjectCheck(req));
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.writeHead(502).end());
    forward.end(body);
  });
  const listening = await listenOnLoopback(server);
  return { endpoint: listening.url, calls, stop: listening.stop };
}

function describe(service: RecordedService, req: IncomingMessage, raw: Buffer, { region, account }: { region: string; account: string }): AwsCall[] {
  const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
  const json = () => (raw.length ? (JSON.parse(raw.toString('utf8')) as Body) : {});
  const arn = (kind: string, rest: string) => `arn:aws:${kind}:${region}:${account}:${rest}`;
  switch (service) {
    case 'dynamodb': {
      const body = json();
      // A write transaction is authorized item by item, each as its own action (there is no TransactWriteItems action).
      if (operation === 'TransactWriteItems') return (body.TransactItems as Record<string, Body>[]).map((item) => dynamoDbCall(transactionAction(item), Object.values(item)[0]!, arn));
      return [dynamoDbCall(`dynamodb:${operation}`, body, arn)];
    }
    case 'ssm': {
      const { Name, Names } = json() as { Name?: string; Names?: string[] };
      return (Names ?? [Name ?? '']).map((name) => ({ action: `ssm:${operation}`, resource: arn('ssm', `parameter${name.startsWith('/') ? '' : '/'}${name}`) }));
    }
    case 'secretsmanager': {
      const { SecretId } = json() as { SecretId?: string };
      return [{ action: `secretsmanager:${operation}`, resource: String(SecretId) }];
    }
    case 'states': {
      const input = json() as { stateMachineArn?: string; executionArn?: string };
      return [{ action: `states:${operation}`, resource: input.stateMachineArn ?? input.executionArn ?? '*' }];
    }
    case 'sns': {
      const form = new URLSearchParams(raw.toString('utf8'));
      return [{ action: `sns:${form.get('Action')}`, resource: form.get('TopicArn') ?? '*' }];
    }
    case 'rds-data': {
      const { resourceArn, secretArn } = json() as { resourceArn: string; secretArn?: string };
      const action = DATA_API_ACTIONS[new URL(req.url ?? '/', 'http://peer').pathname] ?? `unknown${req.url}`;
      // The Data API reads the secret with the caller's own credentials.
      return [{ action: `rds-data:${action}`, resource: resourceArn }, ...(secretArn ? [{ action: 'secretsmanager:GetSecretValue', resource: secretArn }] : [])];
    }
    case 's3':
      return [s3Call(req)];
    case 'kms': {
      const { KeyId } = json() as { KeyId?: string };
      return [{ action: `kms:${operation}`, resource: String(KeyId) }];
    }
  }
}

const DATA_API_ACTIONS: Record<string, string> = {
  '/Execute': 'ExecuteStatement',
  '/BatchExecute': 'BatchExecuteStatement',
  '/BeginTransaction': 'BeginTransaction',
  '/CommitTransaction': 'CommitTransaction',
  '/RollbackTransaction': 'RollbackTransaction',
};

/** Path-style S3: a listing authorizes ListBucket on the bucket with its prefix; object reads GetObject, writes PutObject. */
/**
 * S3 answers a read of a missing object with 404 only to a caller allowed `s3:ListBucket` on the
 * bucket — for this request, which carries no `s3:prefix` — and with 403 AccessDenied otherwise:
 * that permission is part of what the read needs.
 */
function missingObjectCheck(req: IncomingMessage): AwsCall[] {
  const [bucket = '', ...key] = new URL(req.url ?? '/', 'http://peer').pathname.replace(/^\//, '').split('/');
  if ((req.method !== 'GET' && req.method !== 'HEAD') || key.join('/') === '') return [];
  return [{ action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}`, context: {} }];
}

function s3Call(req: IncomingMessage): AwsCall {
  const url = new URL(req.url ?? '/', 'http://peer');
  const [bucket = '', ...key] = url.pathname.replace(/^\//, '').split('/');
  if (key.length === 0 || key.join('/') === '') {
    return { action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}`, context: { 's3:prefix': url.searchParams.get('prefix') ?? '' } };
  }
  const objectAction = req.method === 'GET' || req.method === 'HEAD' ? 's3:GetObject' : req.method === 'DELETE' ? 's3:DeleteObject' : 's3:PutObject';
  return { action: objectAction, resource: `arn:aws:s3:::${bucket}/${decodeURIComponent(key.join('/'))}` };
}

const TRANSACTION_ACTIONS: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' };

function transactionAction(item: Record<string, Body>): string {
  return `dynamodb:${TRANSACTION_ACTIONS[Object.keys(item)[0]!] ?? 'Unknown'}`;
}

function dynamoDbCall(action: string, body: Body, arn: (kind: string, rest: string) => string): AwsCall {
  const { TableName, IndexName, Key, Item } = body as { TableName?: string; IndexName?: string; Key?: Record<string, { S?: string }>; Item?: Record<string, { S?: string }> };
  // An item's partition key, which `dynamodb:LeadingKeys` conditions hold a role to (tables keyed by `pk`).
  const leadingKey = (Key ?? Item)?.pk?.S;
  return {
    action,
    resource: arn('dynamodb', `table/${TableName}${IndexName ? `/index/${IndexName}` : ''}`),
    ...(leadingKey === undefined ? {} : { context: { 'dynamodb:LeadingKeys': leadingKey } }),
  };
}
