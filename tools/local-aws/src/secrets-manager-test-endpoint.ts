import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readBody } from './http-body';
import { listenOnLoopback } from './loopback';

/**
 * A small, protocol-faithful AWS Secrets Manager endpoint (AWS JSON 1.1: POST /,
 * `X-Amz-Target: secretsmanager.<Operation>`) so that the real
 * `@aws-sdk/client-secrets-manager` sends real requests in tests. It serves GetSecretValue
 * for string secrets, found by ARN or by name, at their AWSCURRENT version, with the
 * service's error shapes. SigV4 signatures are not checked.
 */
export interface SecretsManagerTestEndpoint {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  /** Stores a new version of the secret (as PutSecretValue would) or creates it; `arn` must be a Secrets Manager secret ARN. */
  put(arn: string, value: string): void;
  stop(): Promise<void>;
}

export interface SecretsManagerTestEndpointOptions {
  /** Secret ARN -> its SecretString. */
  secrets?: Record<string, string>;
}

interface SecretVersion {
  readonly arn: string;
  readonly name: string;
  readonly value: string;
  readonly versionId: string;
  /** Epoch seconds, as the service sends dates. */
  readonly created: number;
}

interface GetSecretValueRequest {
  SecretId?: unknown;
  VersionId?: unknown;
  VersionStage?: unknown;
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:(.+)$/;
const NOT_FOUND = { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." };

export async function startSecretsManagerTestEndpoint(options: SecretsManagerTestEndpointOptions = {}): Promise<SecretsManagerTestEndpoint> {
  const secrets = new Map<string, SecretVersion>();
  const put = (arn: string, value: string) => void secrets.set(arn, newVersion(arn, value));
  for (const [arn, value] of Object.entries(options.secrets ?? {})) put(arn, value);

  const server = createServer((req, res) => void respond(secrets, req, res));
  const listening = await listenOnLoopback(server);
  return { endpoint: listening.url, put, stop: listening.stop };
}

function newVersion(arn: string, value: string): SecretVersion {
  const match = SECRET_ARN.exec(arn);
  if (!match?.[1]) throw new Error(`Not a Secrets Manager secret ARN: ${arn}`);
  // The service appends a hyphen and six random characters to the name to form the ARN.
  const name = match[1].replace(/-[A-Za-z0-9]{6}$/, '');
  return { arn, name, value, versionId: randomUUID(), created: Math.floor(Date.now() / 1000) };
}

async function respond(secrets: ReadonlyMap<string, SecretVersion>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const target = String(req.headers['x-amz-target'] ?? '');
  const text = await readBody(req);
  if (req.method !== 'POST' || !String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1')) {
    return send(res, 400, { __type: 'SerializationException', message: 'Expected POST with application/x-amz-json-1.1' });
  }
  const body = parseBody(text);
  if (body === undefined) return send(res, 400, { __type: 'SerializationException', message: 'The request body is not a JSON object' });
  if (target !== 'secretsmanager.GetSecretValue') {
    return send(res, 400, { __type: 'UnknownOperationException', message: `Unsupported operation ${target}` });
  }
  return getSecretValue(secrets, body, res);
}

function getSecretValue(secrets: ReadonlyMap<string, SecretVersion>, body: GetSecretValueRequest, res: ServerResponse): void {
  if (typeof body.SecretId !== 'string' || body.SecretId === '') {
    return send(res, 400, { __type: 'InvalidParameterException', message: 'You must provide a SecretId.' });
  }
  const secret = find(secrets, body.SecretId);
  const otherVersion = body.VersionId !== undefined && body.VersionId !== secret?.versionId;
  const otherStage = body.VersionStage !== undefined && body.VersionStage !== 'AWSCURRENT';
  if (!secret || otherVersion || otherStage) return send(res, 400, NOT_FOUND);
  send(res, 200, {
    ARN: secret.arn,
    Name: secret.name,
    SecretString: secret.value,
    VersionId: secret.versionId,
    VersionStages: ['AWSCURRENT'],
    CreatedDate: secret.created,
  });
}

/** A SecretId is the secret's ARN or its name. */
function find(secrets: ReadonlyMap<string, SecretVersion>, secretId: string): SecretVersion | undefined {
  return secrets.get(secretId) ?? [...secrets.values()].find((secret) => secret.name === secretId);
}

function parseBody(text: string): GetSecretValueRequest | undefined {
  try {
    const body: unknown = JSON.parse(text || '{}');
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as GetSecretValueRequest) : undefined;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
  res.end(JSON.stringify(body));
}
