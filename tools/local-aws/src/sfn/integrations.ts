import { randomUUID } from 'node:crypto';
import type { TaskResource } from './definition';
import { StatesError } from './errors';

/** A Lambda function as the test sees it: the invocation payload in, the function's result out (or a throw). */
export type LambdaHandler = (payload: unknown) => unknown;

/**
 * Handles what `arn:aws:states:::dynamodb:updateItem` sends (the UpdateItem request with
 * attribute values in DynamoDB JSON). Throw an error named after the DynamoDB exception
 * (the SDK's own `ConditionalCheckFailedException` will do) to fail the task with
 * `DynamoDB.<name>`, as the optimized integration does.
 */
export interface DynamoDbHandler {
  updateItem(input: Record<string, unknown>): unknown;
}

export interface Integrations {
  /** By function ARN (or name); a function not listed fails with Lambda.ResourceNotFoundException. */
  lambdas: Readonly<Record<string, LambdaHandler>>;
  dynamoDb?: DynamoDbHandler;
}

/**
 * Runs one task attempt's service call. For `lambda:invoke` the result is what the optimized
 * integration returns (`{ ExecutedVersion, Payload, SdkHttpMetadata, StatusCode }`); for the
 * waitForTaskToken form the function's result is ignored by the caller. Payloads go through
 * JSON both ways, as they would over the wire.
 */
export async function invokeIntegration(integration: TaskResource, parameters: unknown, integrations: Integrations): Promise<unknown> {
  const input = (parameters ?? {}) as Record<string, unknown>;
  if (integration === 'dynamodb:updateItem') return updateItem(input, integrations.dynamoDb);
  const payload = await invokeLambda(input, integrations.lambdas);
  return { ExecutedVersion: '$LATEST', Payload: payload, SdkHttpMetadata: { HttpStatusCode: 200 }, StatusCode: 200 };
}

export async function invokeLambda(input: Record<string, unknown>, lambdas: Readonly<Record<string, LambdaHandler>>): Promise<unknown> {
  const name = input.FunctionName;
  if (typeof name !== 'string') throw new StatesError('States.Runtime', 'lambda:invoke needs a FunctionName');
  const handler = lambdas[name] ?? Object.entries(lambdas).find(([key]) => functionName(key) === functionName(name))?.[1];
  if (!handler) {
    throw new StatesError('Lambda.ResourceNotFoundException', `Function not found: ${name} (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: ${randomUUID()})`);
  }
  try {
    return roundTrip(await handler(roundTrip(input.Payload)));
  } catch (error) {
    const type = error instanceof Error && error.name ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    // A service-side failure the test simulates by name (Lambda.TooManyRequestsException, ...).
    if (type.startsWith('Lambda.')) throw new StatesError(type, message);
    // A function error: its errorType is the error, its error payload the cause.
    throw new StatesError(type, JSON.stringify({ errorType: type, errorMessage: message, trace: [] }));
  }
}

async function updateItem(input: Record<string, unknown>, handler: DynamoDbHandler | undefined): Promise<unknown> {
  if (!handler) throw new StatesError('DynamoDB.ResourceNotFoundException', 'Requested resource not found (no dynamoDb handler was given to the test endpoint)');
  try {
    const output = roundTrip(await handler.updateItem(roundTrip(input) as Record<string, unknown>));
    if (output && typeof output === 'object' && '$metadata' in output) delete (output as Record<string, unknown>).$metadata;
    return output ?? {};
  } catch (error) {
    const type = error instanceof Error && error.name && error.name !== 'Error' ? error.name : 'AmazonDynamoDBException';
    const message = error instanceof Error ? error.message : String(error);
    const name = type.includes('.') ? type : `DynamoDB.${type}`;
    throw new StatesError(name, `${message} (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ${type.replace(/^.*\./, '')}; Request ID: ${randomUUID()})`);
  }
}

/** `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]` or a bare name → the name. */
function functionName(reference: string): string {
  const match = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(reference);
  return match ? match[1]! : reference;
}

function roundTrip(value: unknown): unknown {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}
