import { CreateTableCommand, DynamoDBClient, ResourceInUseException, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';

export interface AwsClientOptions {
  region: string;
  /** A local endpoint (dynalite, a test peer). Local endpoints get static dummy credentials. */
  endpoint?: string;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A call that hangs must not hold a request (and a concurrency slot) for long. */
const TIMEOUTS = { requestHandler: { connectionTimeout: 1000, requestTimeout: 3000 } };

function clientConfig({ region, endpoint }: AwsClientOptions) {
  return endpoint ? { region, endpoint, credentials: LOCAL_CREDENTIALS, ...TIMEOUTS } : { region, ...TIMEOUTS };
}

export function createDynamoDbClient(options: AwsClientOptions): DynamoDBClient {
  return new DynamoDBClient({ ...clientConfig(options), maxAttempts: 2 });
}

export function createSsmClient(options: AwsClientOptions): SSMClient {
  return new SSMClient({ ...clientConfig(options), maxAttempts: 2 });
}

/** Creates tables that do not exist yet (local mode; on AWS the infrastructure owns them). */
export async function ensureTables(client: DynamoDBClient, definitions: CreateTableCommandInput[]): Promise<void> {
  for (const definition of definitions) {
    try {
      await client.send(new CreateTableCommand(definition));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
}
