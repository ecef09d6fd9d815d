import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { badRequest, DataApiError, toDataApiError } from './data-api/errors';
import { writeJson } from './data-api/result-values';
import { DataApiService } from './data-api/service';
import { readBody } from './http-body';

/**
 * A small, protocol-faithful Amazon RDS Data API endpoint (service `rds-data`, API version
 * 2018-08-01, restJson1) that runs statements on an embedded PGlite database, so that the
 * real `@aws-sdk/client-rds-data` client sends real requests in tests. It serves
 * ExecuteStatement (POST /Execute), BeginTransaction, CommitTransaction and
 * RollbackTransaction the way Aurora PostgreSQL (Serverless v2 / provisioned) does:
 * named `:parameters`, statements run as the secret's PostgreSQL role with that role's own
 * settings, typed results or `formatRecordsAs: 'JSON'`, transactions that time out when
 * idle, and the service's error shapes. SigV4 signatures are required but not verified.
 *
 * PGlite has a single connection: while a Data API transaction is open, requests outside it
 * (and the caller's own use of the database) wait until it ends. Code that awaits such a
 * request while it keeps a transaction open stalls until `transactionTimeoutMs` rolls the
 * transaction back, where Aurora would have served it on another connection.
 */
export interface DataApiTestEndpoint {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  readonly resourceArn: string;
  /** The next `count` requests (any operation) fail with DatabaseResumingException, as an auto-paused Aurora Serverless v2 cluster does while it resumes. */
  resumeFor(count: number): void;
  /** Requests seen so far, by operation name (ExecuteStatement, BeginTransaction, ...), for assertions. */
  readonly requests: { operation: string; secretArn?: string; sql?: string }[];
  /** Stops listening and rolls back open transactions; the database stays open (the caller owns it). */
  stop(): Promise<void>;
}

export interface DataApiTestEndpointOptions {
  /** An open PGlite instance the caller owns (it is not closed by stop()). */
  db: PGlite;
  /** Default 'arn:aws:rds:us-east-1:000000000000:cluster:gmcp-ops'. */
  resourceArn?: string;
  /** The database name requests may give, default 'ops'. */
  database?: string;
  /** Secret ARN -> the PostgreSQL role the secret's credentials log in as. */
  secrets: Record<string, { user: string }>;
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** An idle transaction is rolled back after this; default 180_000 (three minutes, as on Aurora). */
  transactionTimeoutMs?: number;
}

const OPERATIONS: Readonly<Record<string, string>> = {
  '/Execute': 'ExecuteStatement',
  '/BeginTransaction': 'BeginTransaction',
  '/CommitTransaction': 'CommitTransaction',
  '/RollbackTransaction': 'RollbackTransaction',
  '/BatchExecute': 'BatchExecuteStatement',
  '/ExecuteSql': 'ExecuteSql',
};

export async function startDataApiTestEndpoint(options: DataApiTestEndpointOptions): Promise<DataApiTestEndpoint> {
  const resourceArn = options.resourceArn ?? 'arn:aws:rds:us-east-1:000000000000:cluster:gmcp-ops';
  const service = new DataApiService({
    db: options.db,
    resourceArn,
    database: options.database ?? 'ops',
    secrets: options.secrets,
    transactionTimeoutMs: options.transactionTimeoutMs ?? 180_000,
  });
  const server = createServer((req, res) => void respond(service, req, res));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  return {
    endpoint: `http://${host}:${(server.address() as AddressInfo).port}`,
    resourceArn,
    resumeFor: (count) => service.resumeFor(count),
    requests: service.requests,
    stop: () => stop(server, service),
  };
}

async function respond(service: DataApiService, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const operation = operationOf(req);
    requireSignature(req);
    const output = await service.handle(operation, parseBody(await readBody(req)));
    send(res, 200, writeJson(output));
  } catch (error) {
    const failure = toDataApiError(error);
    send(res, failure.status, JSON.stringify({ message: failure.message }), failure.type);
  }
}

function operationOf(req: IncomingMessage): string {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const operation = OPERATIONS[path];
  if (req.method !== 'POST' || operation === undefined) {
    throw new DataApiError('UnknownOperationException', `No RDS Data API operation at ${req.method} ${path}`);
  }
  return operation;
}

/** The SDK signs every request with SigV4; the signature itself is not checked. */
function requireSignature(req: IncomingMessage): void {
  if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256')) {
    throw new DataApiError('ForbiddenException', 'Missing Authentication Token');
  }
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text || '{}');
  } catch {
    throw badRequest('The request body is not valid JSON');
  }
}

function send(res: ServerResponse, status: number, body: string, errorType?: string): void {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-RequestId': randomUUID() };
  if (errorType !== undefined) headers['x-amzn-ErrorType'] = errorType;
  res.writeHead(status, headers);
  res.end(body);
}


async function stop(server: Server, service: DataApiService): Promise<void> {
  await service.stop();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
