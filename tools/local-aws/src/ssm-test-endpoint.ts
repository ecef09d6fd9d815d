import { createServer, type ServerResponse } from 'node:http';
import { readBody } from './http-body';
import { listenOnLoopback } from './loopback';

/**
 * A small, protocol-faithful SSM Parameter Store endpoint (AWS JSON 1.1: POST /,
 * `X-Amz-Target: AmazonSSM.<Operation>`) so that the real `@aws-sdk/client-ssm`
 * sends real requests in tests. It implements GetParameter, GetParameters, GetParameterHistory
 * (every version, paged by MaxResults and NextToken) and PutParameter,
 * with String and SecureString parameters (a SecureString reads back as ciphertext unless
 * the request asks for decryption).
 */
export interface SsmTestEndpoint {
  readonly endpoint: string;
  /** Sets a parameter as `PutParameter --overwrite` would. */
  put(name: string, value: string, type?: ParameterType): void;
  /** A parameter's current value, as `get-parameter --with-decryption` shows it (tests). */
  value(name: string): string;
  /** While false, every request fails with a 500 (an outage). */
  setAvailable(available: boolean): void;
  readonly requests: number;
  stop(): Promise<void>;
}

type ParameterType = 'String' | 'SecureString';

interface Parameter {
  type: ParameterType;
  value: string;
  version: number;
  modified: number;
}

export async function startSsmTestEndpoint(): Promise<SsmTestEndpoint> {
  const parameters = new Map<string, Parameter>();
  /** Every version of each parameter, oldest first. */
  const history = new Map<string, Parameter[]>();
  let available = true;
  let requests = 0;
  const put = (name: string, value: string, type: ParameterType = 'String') => {
    const parameter = { type, value, version: (parameters.get(name)?.version ?? 0) + 1, modified: Date.now() / 1000 };
    parameters.set(name, parameter);
    history.set(name, [...(history.get(name) ?? []), parameter]);
  };
  const wire = (name: string, parameter: Parameter, decrypt: boolean) => ({
    Name: name,
    Type: parameter.type,
    Value: parameter.type === 'SecureString' && !decrypt ? Buffer.from(`kms:${parameter.value}`).toString('base64') : parameter.value,
    Version: parameter.version,
    LastModifiedDate: parameter.modified,
    ARN: `arn:aws:ssm:us-east-1:000000000000:parameter${name.startsWith('/') ? '' : '/'}${name}`,
    DataType: 'text',
  });

  const server = createServer(async (req, res) => {
    requests += 1;
    if (!available) return send(res, 500, { __type: 'InternalServerError', message: 'Service unavailable' });
    const target = String(req.headers['x-amz-target'] ?? '');
    const body = JSON.parse((await readBody(req)) || '{}') as { Name?: string; Names?: string[]; Value?: string; Type?: ParameterType; WithDecryption?: boolean; MaxResults?: number; NextToken?: string };
    if (req.method !== 'POST' || !String(req.headers['content-type']).startsWith('application/x-amz-json-1.1')) {
      return send(res, 400, { __type: 'SerializationException', message: 'Expected POST with application/x-amz-json-1.1' });
    }
    if (target === 'AmazonSSM.GetParameter') {
      const parameter = body.Name === undefined ? undefined : parameters.get(body.Name);
      if (!parameter) return send(res, 400, { __type: 'ParameterNotFound', message: `Parameter ${body.Name} not found.` });
      return send(res, 200, { Parameter: wire(body.Name!, parameter, body.WithDecryption === true) });
    }
    if (target === 'AmazonSSM.GetParameters' && Array.isArray(body.Names) && body.Names.length >= 1 && body.Names.length <= 10) {
      const found = body.Names.filter((name) => parameters.has(name));
      return send(res, 200, {
        Parameters: found.map((name) => wire(name, parameters.get(name)!, body.WithDecryption === true)),
        InvalidParameters: body.Names.filter((name) => !parameters.has(name)),
      });
    }
    if (target === 'AmazonSSM.GetParameterHistory') {
      const versions = body.Name === undefined ? undefined : history.get(body.Name);
      if (!versions) return send(res, 400, { __type: 'ParameterNotFound', message: `Parameter ${body.Name} not found.` });
      const start = Number(body.NextToken ?? 0);
      const size = Math.min(body.MaxResults ?? 50, 50);
      const page = versions.slice(start, start + size);
      const next = start + size < versions.length ? String(start + size) : undefined;
      return send(res, 200, { Parameters: page.map((parameter) => ({ ...wire(body.Name!, parameter, body.WithDecryption === true), ARN: undefined })), ...(next ? { NextToken: next } : {}) });
    }
    if (target === 'AmazonSSM.PutParameter' && body.Name !== undefined && body.Value !== undefined) {
      put(body.Name, body.Value, body.Type ?? 'String');
      return send(res, 200, { Version: parameters.get(body.Name)!.version, Tier: 'Standard' });
    }
    return send(res, 400, { __type: 'UnknownOperationException', message: `Unsupported operation ${target}` });
  });
  const listening = await listenOnLoopback(server);
  return {
    endpoint: listening.url,
    put,
    value: (name) => {
      const parameter = parameters.get(name);
      if (!parameter) throw new Error(`No parameter ${name}`);
      return parameter.value;
    },
    setAvailable: (value) => (available = value),
    get requests() {
      return requests;
    },
    stop: listening.stop,
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `req-${Date.now()}` });
  res.end(JSON.stringify(body));
}
