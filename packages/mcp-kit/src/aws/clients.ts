import { CreateTableCommand, DynamoDBClient, ResourceInUseException, waitUntilTableExists, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';

export interface AwsClientOptions {
  region: string;
  /** A local endpoint (dynalite, a test peer). Local endpoints get static dummy credentials. */
  endpoint?: string;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A call that hangs must not hold a request (and a concurrency slot) for long. */
const DEFAULT_REQUEST_TIMEOUT_MS = 3000;

/**
 * Configuration shared by every AWS client the platform builds: the region, a bounded
 * request time, and for a local endpoint its URL with dummy credentials (on AWS the
 * execution role's credentials come from the environment).
 */
export function awsClientConfig({ region, endpoint }: AwsClientOptions, requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS) {
  const timeouts = { requestHandler: { connectionTimeout: 1000, requestTimeout: requestTimeoutMs } };
  return endpoint ? { region, endpoint, credentials: LOCAL_CREDENTIALS, ...timeouts } : { region, ...timeouts };
}

export function createDynamoDbClient(options: AwsClientOptions): DynamoDBClient {
  return new DynamoDBClient({ ...awsClientConfig(options), maxAttempts: 2 });
}

export function createSsmClient(options: AwsClientOptions): SSMClient {
  return new SSMClient({ ...awsClientConfig(options), maxAttempts: 2 });
}

/**
 * Creates tables that do not exist yet (local mode; on AWS the infrastructure owns them), and
 * returns once each is ACTIVE: a new table is CREATING for a moment, and a write then fails.
 */
export async function ensureTables(client: DynamoDBClient, definitions: CreateTableCommandInput[]): Promise<void> {
  for (const definition of definitions) {
    try {
      await client.send(new CreateTableCommand(definition));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  for (const { TableName } of definitions) await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { TableName });
}
