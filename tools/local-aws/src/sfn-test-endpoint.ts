import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SfnError, toSfnError } from './sfn/errors';
import type { DynamoDbHandler, LambdaHandler } from './sfn/integrations';
import { realClock, type ExecutionStatus, type SfnClock } from './sfn/interpreter';
import { SfnService } from './sfn/service';
import { readBody } from './http-body';

export { scaledClock, realClock, type SfnClock, type ExecutionStatus } from './sfn/interpreter';
export type { DynamoDbHandler, LambdaHandler } from './sfn/integrations';

/**
 * A small, protocol-faithful AWS Step Functions endpoint (awsJson1_0: POST / with
 * `X-Amz-Target: AWSStepFunctions.<Operation>` and `Content-Type: application/x-amz-json-1.0`;
 * errors as `{"__type", "message"}` with the modelled status) so that the real
 * `@aws-sdk/client-sfn` sends real requests in tests. SigV4 signatures are required but not
 * verified.
 *
 * Operations: CreateStateMachine (STANDARD only; idempotent on name + definition),
 * StartExecution (names unique per state machine; the same name and input while the
 * execution runs returns it again, otherwise ExecutionAlreadyExists), DescribeExecution,
 * SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat (InvalidToken, TaskDoesNotExist,
 * TaskTimedOut as the service answers them).
 *
 * Executions really run, on an interpreter for a subset of the Amazon States Language
 * (JSONPath query language), enough for the approval workflow:
 * - Task states whose Resource is `arn:aws:states:::lambda:invoke` (the function is one of
 *   `lambdas`; the result is `{ ExecutedVersion, Payload, SdkHttpMetadata, StatusCode }`),
 *   `arn:aws:states:::lambda:invoke.waitForTaskToken` (the function is invoked, its result
 *   ignored, and the task waits for SendTaskSuccess / SendTaskFailure on `$$.Task.Token`;
 *   see `waitingTasks()`), and `arn:aws:states:::dynamodb:updateItem` (handed to `dynamoDb`);
 *   with Parameters, ResultSelector, ResultPath, InputPath, OutputPath, TimeoutSeconds
 *   (States.Timeout), HeartbeatSeconds (States.HeartbeatTimeout), Retry (ErrorEquals,
 *   IntervalSeconds, MaxAttempts, BackoffRate, MaxDelaySeconds; no jitter) and Catch
 *   (ErrorEquals, ResultPath, Next). States.ALL and States.TaskFailed match as wildcards
 *   (TaskFailed not timeouts); States.Runtime is never retried nor caught.
 * - Choice states with `{ Variable, StringEquals, Next }` rules and Default
 *   (States.NoChoiceMatched otherwise); Succeed; Fail (Error, Cause).
 * - Paths: `$`, `$.a.b`, `$['a']`, `[n]` and the context object `$$` (Execution.Id / Input /
 *   Name / StartTime / RoleArn, StateMachine.Id / Name, State.Name / EnteredTime /
 *   RetryCount, Task.Token).
 * Not interpreted (CreateStateMachine refuses them with InvalidDefinition, so nothing is
 * half-run): Pass, Wait, Parallel, Map states; other resources (activities, `.sync`,
 * `aws-sdk:*`); JSONata; intrinsic functions; other Choice operators; Assign/variables;
 * execution-level TimeoutSeconds. Nor are EXPRESS state machines, versions/aliases, redrive,
 * StopExecution, execution history or payload size limits.
 */
export interface SfnTestEndpoint {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  readonly region: string;
  readonly accountId: string;
  /** Tasks handed out at `.waitForTaskToken` states and still waiting for their token. */
  waitingTasks(): WaitingTask[];
  /** Resolves with the first waiting task that matches (default timeout 5 s). */
  waitForTask(filter?: { executionArn?: string; state?: string }, timeoutMs?: number): Promise<WaitingTask>;
  /** Resolves once the execution is no longer RUNNING (default timeout 5 s). */
  waitForExecution(executionArn: string, timeoutMs?: number): Promise<ExecutionSummary>;
  /** The states an execution entered, in order. */
  visitedStates(executionArn: string): string[];
  /** Requests seen so far, by operation, for assertions. */
  readonly requests: readonly { operation: string }[];
  /** Aborts running executions (cancelling their timers) and stops listening. */
  stop(): Promise<void>;
}

export interface WaitingTask {
  executionArn: string;
  /** The state that handed the task out. */
  state: string;
  taskToken: string;
  /** The Payload the state sent to its function. */
  payload: unknown;
}

export interface ExecutionSummary {
  executionArn: string;
  status: ExecutionStatus;
  output?: string;
  error?: string;
  cause?: string;
}

export interface SfnTestEndpointOptions {
  /** Functions by ARN (a bare function name matches too). */
  lambdas?: Record<string, LambdaHandler>;
  /** Handles `dynamodb:updateItem` tasks. */
  dynamoDb?: DynamoDbHandler;
  /** Default: real time. `scaledClock(0.001)` makes a 60 s TimeoutSeconds fire after 60 ms. */
  clock?: SfnClock;
  /** Default 'us-east-1'. */
  region?: string;
  /** Default '000000000000'. */
  accountId?: string;
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

const TARGET_PREFIX = 'AWSStepFunctions.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

export async function startSfnTestEndpoint(options: SfnTestEndpointOptions = {}): Promise<SfnTestEndpoint> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const service = new SfnService({
    region,
    accountId,
    clock: options.clock ?? realClock,
    integrations: { lambdas: options.lambdas ?? {}, dynamoDb: options.dynamoDb },
  });
  const server = createServer((req, res) => void respond(service, req, res));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));

  const waitingTasks = (): WaitingTask[] =>
    [...service.tasks.values()].map(({ executionArn, state, token, payload }) => ({ executionArn, state, taskToken: token, payload }));
  const summary = (executionArn: string): ExecutionSummary | undefined => {
    const execution = service.executions.get(executionArn);
    if (!execution) return undefined;
    const { status, output, error, cause } = execution;
    return { executionArn, status, ...(output !== undefined && { output }), ...(error !== undefined && { error }), ...(cause !== undefined && { cause }) };
  };

  return {
    endpoint: `http://${host}:${(server.address() as AddressInfo).port}`,
    region,
    accountId,
    waitingTasks,
    waitForTask: (filter = {}, timeoutMs = 5000) =>
      service.waitFor(
        () => waitingTasks().find((task) => (filter.executionArn ?? task.executionArn) === task.executionArn && (filter.state ?? task.state) === task.state),
        timeoutMs,
        `waiting task matching ${JSON.stringify(filter)}`,
      ),
    waitForExecution: (executionArn, timeoutMs = 5000) =>
      service.waitFor(
        () => {
          const current = summary(executionArn);
          return current && current.status !== 'RUNNING' ? current : undefined;
        },
        timeoutMs,
        `end of execution ${executionArn}`,
      ),
    visitedStates: (executionArn) => [...(service.executions.get(executionArn)?.visited ?? [])],
    requests: service.requests,
    stop: () => stop(server, service),
  };
}

async function respond(service: SfnService, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const text = await readBody(req);
    const operation = operationOf(req);
    requireSignature(req);
    send(res, 200, service.handle(operation, parseBody(text)));
  } catch (error) {
    const failure = toSfnError(error);
    send(res, failure.status, { __type: failure.type, message: failure.message });
  }
}

function operationOf(req: IncomingMessage): string {
  const target = String(req.headers['x-amz-target'] ?? '');
  if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/' || !target.startsWith(TARGET_PREFIX)) {
    throw new SfnError('UnknownOperationException', `No operation for ${req.method} ${req.url} with X-Amz-Target '${target}'`);
  }
  if (!String(req.headers['content-type'] ?? '').startsWith(CONTENT_TYPE)) {
    throw new SfnError('SerializationException', `Expected Content-Type ${CONTENT_TYPE}`);
  }
  return target.slice(TARGET_PREFIX.length);
}

/** The SDK signs every request with SigV4; the signature itself is not checked. */
function requireSignature(req: IncomingMessage): void {
  if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256')) {
    throw new SfnError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
}

function parseBody(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text || '{}');
  } catch {
    throw new SfnError('SerializationException', 'The request body is not valid JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new SfnError('SerializationException', 'The request body must be a JSON object');
  return body as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': CONTENT_TYPE, 'x-amzn-RequestId': randomUUID() });
  res.end(JSON.stringify(body));
}


async function stop(server: Server, service: SfnService): Promise<void> {
  service.stop();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
